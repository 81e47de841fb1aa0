import Redis
import Testing

@testable import KeyVault

/// The in-process cache's bounded store, without servers.
struct L1LRUCacheTests {
    let now = ContinuousClock.now
    var later: ContinuousClock.Instant { now + .seconds(60) }

    @Test func holdsAtMostItsCapacity() {
        var cache = LRUCache<String, Int>(capacity: 3)
        for (value, key) in ["a", "b", "c", "d", "e"].enumerated() { cache.set(value, forKey: key, expires: later) }
        #expect(cache.count == 3)
        #expect(cache.value(forKey: "a", now: now) == nil)
        #expect(cache.value(forKey: "b", now: now) == nil)
        #expect(
            [
                cache.value(forKey: "c", now: now), cache.value(forKey: "d", now: now),
                cache.value(forKey: "e", now: now),
            ] == [2, 3, 4])
    }

    @Test func aReadMakesAnEntryTheMostRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, forKey: "a", expires: later)
        cache.set(2, forKey: "b", expires: later)
        _ = cache.value(forKey: "a", now: now)
        cache.set(3, forKey: "c", expires: later)
        #expect(cache.value(forKey: "b", now: now) == nil)
        #expect(cache.value(forKey: "a", now: now) == 1)
        #expect(cache.value(forKey: "c", now: now) == 3)
    }

    @Test func aWriteReplacesTheValueAndMakesItTheMostRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, forKey: "a", expires: later)
        cache.set(2, forKey: "b", expires: later)
        cache.set(10, forKey: "a", expires: later)
        cache.set(3, forKey: "c", expires: later)
        #expect(cache.count == 2)
        #expect(cache.value(forKey: "a", now: now) == 10)
        #expect(cache.value(forKey: "b", now: now) == nil)
    }

    @Test func entriesExpire() {
        var cache = LRUCache<String, Int>(capacity: 2)
        cache.set(1, forKey: "a", expires: now + .seconds(1))
        #expect(cache.value(forKey: "a", now: now + .milliseconds(999)) == 1)
        #expect(cache.value(forKey: "a", now: now + .seconds(1)) == nil)
        #expect(cache.count == 0)
    }

    @Test func removeDropsOnlyThatKey() {
        var cache = LRUCache<String, Int>(capacity: 3)
        for (value, key) in ["a", "b", "c"].enumerated() { cache.set(value, forKey: key, expires: later) }
        cache.removeValue(forKey: "b")
        cache.removeValue(forKey: "missing")
        #expect(cache.count == 2)
        #expect(cache.value(forKey: "b", now: now) == nil)
        cache.set(3, forKey: "d", expires: later)
        cache.set(4, forKey: "e", expires: later)
        // "a" was the least recently used of a, c, d.
        #expect(cache.value(forKey: "a", now: now) == nil)
        #expect(
            [
                cache.value(forKey: "c", now: now), cache.value(forKey: "d", now: now),
                cache.value(forKey: "e", now: now),
            ] == [2, 3, 4])
        cache.removeAll()
        #expect(cache.count == 0)
    }

    /// The slot links stay right through any mix of operations: checked against a list kept most recent first.
    @Test func agreesWithASimpleModelOverRandomOperations() {
        var cache = LRUCache<Int, Int>(capacity: 5)
        var model: [(key: Int, value: Int)] = []
        var generator = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let key = Int.random(in: 0..<12, using: &generator)
            switch Int.random(in: 0..<10, using: &generator) {
            case 0..<4:
                let found = model.firstIndex { $0.key == key }
                #expect(cache.value(forKey: key, now: now) == found.map { model[$0].value })
                if let found { model.insert(model.remove(at: found), at: 0) }
            case 4..<8:
                cache.set(step, forKey: key, expires: later)
                model.removeAll { $0.key == key }
                model.insert((key, step), at: 0)
                if model.count > 5 { model.removeLast() }
            default:
                cache.removeValue(forKey: key)
                model.removeAll { $0.key == key }
            }
            #expect(cache.count == model.count)
        }
    }
}

/// When the in-process cache may fill: only while the subscription is live, never across an eviction.
struct L1CacheFillTests {
    let entry = CacheEntry.secret(Secret(properties: SecretProperties(name: "s", version: "1"), value: "v"))

    @Test func nothingIsHeldBeforeTheSubscriptionIsLive() {
        let cache = L1Cache(capacity: 4)
        cache.fill("k", entry, ttl: .seconds(60), since: cache.ticket)
        #expect(cache.entry(forKey: "k") == nil)
        cache.apply(.everything)
        cache.fill("k", entry, ttl: .seconds(60), since: cache.ticket)
        #expect(cache.entry(forKey: "k") == entry)
    }

    @Test func aFillIsRefusedAfterAnyInvalidationSinceItsTicket() {
        let cache = L1Cache(capacity: 4)
        cache.apply(.everything)
        let ticket = cache.ticket
        cache.apply(.keys(["other"]))
        cache.fill("k", entry, ttl: .seconds(60), since: ticket)
        #expect(cache.entry(forKey: "k") == nil)
    }

    @Test func invalidatedKeysAreDropped() {
        let cache = L1Cache(capacity: 4)
        cache.apply(.everything)
        cache.fill("a", entry, ttl: .seconds(60), since: cache.ticket)
        cache.fill("b", .notFound, ttl: .seconds(60), since: cache.ticket)
        cache.apply(.keys(["a"]))
        #expect(cache.entry(forKey: "a") == nil)
        #expect(cache.entry(forKey: "b") == .notFound)
    }

    @Test func aLostSubscriptionClearsAndStopsFillingUntilItIsBack() {
        let cache = L1Cache(capacity: 4)
        cache.apply(.everything)
        cache.fill("k", entry, ttl: .seconds(60), since: cache.ticket)
        cache.apply(.lost)
        #expect(cache.entry(forKey: "k") == nil)
        cache.fill("k", entry, ttl: .seconds(60), since: cache.ticket)
        #expect(cache.entry(forKey: "k") == nil)
        cache.apply(.everything)
        cache.fill("k", entry, ttl: .seconds(60), since: cache.ticket)
        #expect(cache.entry(forKey: "k") == entry)
    }
}
