import KeyVault
import Synchronization

/// The vault version this operator last put in Redis for each integration (`nil` when it removed
/// the entries), and when. Redis notifies every listener of every write, the operator's own
/// included: `isOwn` tells those apart, so that they requeue nothing. Versions only, never values.
final class WarmedVersions: Sendable {
    private struct Warmed {
        var version: String?
        /// When Redis drops the entry by itself; `nil` after an invalidation.
        var expiresAt: ContinuousClock.Instant?
    }
    private let warmed = Mutex<[IntegrationKey: Warmed]>([:])

    /// Notes what Redis holds for `key` now: `version`, expiring at `expiresAt` (`nil` for none).
    /// An entry the operator found already current keeps the expiry it was written with, so the
    /// caller passes that, not a full TTL from now.
    func record(_ key: IntegrationKey, version: String?, expiresAt: ContinuousClock.Instant? = nil) {
        warmed.withLock { $0[key] = Warmed(version: version, expiresAt: expiresAt) }
    }

    /// Notes, before a warm, that Redis is about to hold `version` for `key`, so that the warm's
    /// write is known as this process's own when its notification arrives first. An entry already
    /// noted with that version keeps its recorded expiry: the warm may find it current and leave
    /// it, and it then still expires when it was written to (a fresh TTL here would make that
    /// expiry look early, like someone else's removal).
    func expect(_ key: IntegrationKey, version: String, expiresIn: Duration) {
        warmed.withLock { warmed in
            if let entry = warmed[key], entry.version == version, entry.expiresAt != nil { return }
            warmed[key] = Warmed(version: version, expiresAt: ContinuousClock.now + expiresIn)
        }
    }

    /// Whether a notification for `key`, whose entry now holds `cachedVersion` (`nil`: gone), is
    /// this process's own doing: its warm write (the version it put there), or its warmed entry
    /// expiring (gone no earlier than a second before its expiry; its expiry is dropped then, so
    /// that a later removal counts as someone else's, while a warm that writes the version again,
    /// whose notification may come before the warm records it, still counts as its own). A removal after its own invalidation cannot be told from
    /// an app's write right after it, so it counts as someone else's (one more reconcile).
    func isOwn(_ key: IntegrationKey, cachedVersion: String?) -> Bool {
        let now = ContinuousClock.now
        return warmed.withLock { warmed in
            guard let entry = warmed[key] else { return false }
            switch (cachedVersion, entry.version) {
            case (let cached?, let mine?): return cached == mine
            case (nil, _?):
                guard let expiresAt = entry.expiresAt, now >= expiresAt - .seconds(1) else { return false }
                warmed[key]?.expiresAt = nil
                return true
            case (_?, nil), (nil, nil): return false
            }
        }
    }
}
