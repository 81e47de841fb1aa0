import Redis
import Synchronization

/// `CachedClient`'s optional in-process cache in front of Redis, keyed by Redis key, holding full
/// entries only.
///
/// It is kept coherent by Redis's key-invalidation notifications, so it serves entries only while
/// that subscription is live: `reset(live:)` clears it when the subscription starts or fails.
/// A read that misses takes a `ticket` before reading Redis and fills with it; an eviction or a
/// reset since the ticket refuses the fill, so no entry older than a notification gets in.
final class L1Cache: Sendable {
    private struct State {
        var entries: LRUCache<String, CacheEntry>
        var live = false
    }
    private let state: Mutex<State>
    /// Counts evictions and resets. Changed only under `state`'s lock, read without it.
    private let epoch = Atomic<UInt64>(0)

    init(capacity: Int) {
        state = Mutex(State(entries: LRUCache(capacity: capacity)))
    }

    /// The entry for `key`, if held and not expired.
    func entry(forKey key: String) -> CacheEntry? {
        let now = ContinuousClock.now
        return state.withLock { $0.entries.value(forKey: key, now: now) }
    }

    /// A mark to take before reading Redis, for `fill`.
    var ticket: UInt64 { epoch.load(ordering: .acquiring) }

    /// Holds `entry` for `ttl`, unless the subscription is down or anything was evicted or reset
    /// since `ticket`.
    func fill(_ key: String, _ entry: CacheEntry, ttl: Duration, since ticket: UInt64) {
        let expires = ContinuousClock.now + ttl
        state.withLock { state in
            guard state.live, epoch.load(ordering: .relaxed) == ticket else { return }
            state.entries.set(entry, forKey: key, expires: expires)
        }
    }

    /// Follows the invalidation subscription: drops changed keys, clears on a (re)start and on a
    /// failure, and fills only while it is live.
    func apply(_ notification: RedisKeyInvalidations.Notification) {
        switch notification {
        case .keys(let keys): evict(keys)
        case .everything: reset(live: true)
        case .lost: reset(live: false)
        }
    }

    /// Drops `keys` (they changed in Redis).
    func evict(_ keys: [String]) {
        state.withLock { state in
            epoch.add(1, ordering: .releasing)
            for key in keys { state.entries.removeValue(forKey: key) }
        }
    }

    /// Drops everything (anything may have changed unseen); `live` says whether the invalidation
    /// subscription is up, so that fills may resume.
    func reset(live: Bool) {
        state.withLock { state in
            epoch.add(1, ordering: .releasing)
            state.entries.removeAll()
            state.live = live
        }
    }
}
