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

/// The counters behind `CachedClient.cacheStats()`: atomics, so that the reads of many callers
/// never wait for each other to count. A snapshot reads them one after another.
final class CacheCounters: Sendable {
    private let hits = Atomic(0)
    private let misses = Atomic(0)
    private let errors = Atomic(0)
    private let l1Hits = Atomic(0)

    func hit(_ count: Int = 1) { hits.wrappingAdd(count, ordering: .relaxed) }
    func l1Hit() {
        l1Hits.wrappingAdd(1, ordering: .relaxed)
        hits.wrappingAdd(1, ordering: .relaxed)
    }
    func miss(_ count: Int = 1) { misses.wrappingAdd(count, ordering: .relaxed) }
    func error() { errors.wrappingAdd(1, ordering: .relaxed) }
    var snapshot: CacheStats {
        CacheStats(
            hits: hits.load(ordering: .relaxed), misses: misses.load(ordering: .relaxed),
            errors: errors.load(ordering: .relaxed),
            l1Hits: l1Hits.load(ordering: .relaxed))
    }
}
