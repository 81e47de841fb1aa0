import KeyVault
import Synchronization

/// The vault version this operator last put in Redis for each integration (`nil` when it removed
/// the entries), and when. Redis notifies every listener of every write, the operator's own
/// included: `isOwn` tells those apart, so that they requeue nothing. Versions only, never values.
final class WarmedVersions: Sendable {
    private struct Warmed {
        var version: String?
        var at: ContinuousClock.Instant
    }
    private let warmed = Mutex<[IntegrationKey: Warmed]>([:])

    func record(_ key: IntegrationKey, version: String?) {
        let now = ContinuousClock.now
        warmed.withLock { $0[key] = Warmed(version: version, at: now) }
    }

    /// Whether a notification for `key`, whose entry now holds `cachedVersion` (`nil`: gone), is
    /// this process's own doing: its warm write (the version it put there), or its warmed entry
    /// expiring (gone a `ttl` after it was warmed, within a second; forgotten then, so that a later
    /// removal counts as someone else's). A removal after its own invalidation cannot be told from
    /// an app's write right after it, so it counts as someone else's (one more reconcile).
    func isOwn(_ key: IntegrationKey, cachedVersion: String?, ttl: Duration) -> Bool {
        let now = ContinuousClock.now
        return warmed.withLock { warmed in
            guard let entry = warmed[key] else { return false }
            switch (cachedVersion, entry.version) {
            case (let cached?, let mine?): return cached == mine
            case (nil, _?):
                guard now - entry.at >= ttl - .seconds(1) else { return false }
                warmed[key] = nil
                return true
            case (_?, nil), (nil, nil): return false
            }
        }
    }
}
