import Synchronization

/// Cache accounting since the client was created.
public struct CacheStats: Sendable, Hashable, Codable {
    public var hits: Int
    public var misses: Int
    /// Redis errors (reads that fell through to the vault, failed writes).
    public var errors: Int
    /// The hits served by the in-process L1 cache without Redis (included in `hits`).
    public var l1Hits: Int

    public init(hits: Int = 0, misses: Int = 0, errors: Int = 0, l1Hits: Int = 0) {
        self.hits = hits
        self.misses = misses
        self.errors = errors
        self.l1Hits = l1Hits
    }

    /// hits / (hits + misses); 0 before any read.
    public var hitRate: Double {
        hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses)
    }
}

/// The counters behind `CachedClient.cacheStats()`.
final class CacheCounters: Sendable {
    private let stats = Mutex(CacheStats())

    func hit(_ count: Int = 1) { stats.withLock { $0.hits += count } }
    func l1Hit() {
        stats.withLock {
            $0.hits += 1
            $0.l1Hits += 1
        }
    }
    func miss(_ count: Int = 1) { stats.withLock { $0.misses += count } }
    func error() { stats.withLock { $0.errors += 1 } }
    var snapshot: CacheStats { stats.withLock { $0 } }
}
