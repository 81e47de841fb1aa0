import KeyVault
import Synchronization

/// The vault version this operator last put in Redis for each integration, and when. Redis
/// notifies every listener of every write, the operator's own included: a notification whose entry
/// still holds the version written here is the operator's own and requeues nothing; one for an
/// entry that is gone a TTL after it was warmed is Redis expiring it, and requeues nothing either.
/// Versions only, never values.
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

    func version(of key: IntegrationKey) -> String? {
        warmed.withLock { $0[key]?.version }
    }

    /// Whether an entry found gone is the one warmed here running out its `ttl` (within a second);
    /// then it is forgotten, so that a later removal counts as someone else's.
    func expired(_ key: IntegrationKey, ttl: Duration) -> Bool {
        let now = ContinuousClock.now
        return warmed.withLock { warmed in
            guard let entry = warmed[key], entry.version != nil, now - entry.at >= ttl - .seconds(1) else { return false }
            warmed[key] = nil
            return true
        }
    }
}
