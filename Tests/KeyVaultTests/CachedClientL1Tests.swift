import Foundation
import Redis
import TestEnvironment
import Testing

@testable import KeyVault

/// The in-process (L1) cache against the real redis-server and emulator.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct CachedClientL1Tests {
    static func l1Client(redisPort: Int? = nil, prefix: String? = nil) throws -> CachedClient {
        var config = try LibraryTestSupport.cachedConfig(redisPort: redisPort)
        config.l1CacheSize = 64
        if let prefix { config.cachePrefix = prefix }
        return try CachedClient(config: config)
    }

    /// A redis-server of the test's own, an L1 client on it holding one secret, and a plain client
    /// for the server's counters and commands (opened first, so it stays signed in if a password is set).
    final class PrivateRedisSetup {
        let server: ServerProcess
        let redis: RedisClient
        let client: CachedClient
        let name = LibraryTestSupport.uniqueName("l1")

        init(value: String) async throws {
            let (server, port) = try await LibraryTestSupport.privateRedis()
            self.server = server
            redis = RedisClient(patient: .init(host: "127.0.0.1", port: port, poolSize: 1))
            try await redis.ping()
            client = try CachedClientL1Tests.l1Client(redisPort: port)
            try await client.setSecret(name, value: value)
        }

        deinit { client.close() }
    }

    /// Reads `name` until a read is served in process, twice, with every notification Redis had
    /// sent applied in between: the notification of the read-through's own Redis fill can evict
    /// the first such entry, however late a loaded machine delivers it. The second entry comes
    /// from Redis without a write, so nothing is left to evict it.
    static func servedInProcess(_ client: CachedClient, _ name: String) async throws -> Bool {
        for round in 0..<2 {
            if round > 0 { guard try await notificationsApplied(client) else { return false } }
            let served = try await eventually(timeout: .seconds(60), every: .milliseconds(10)) {
                let before = client.cacheStats().l1Hits
                _ = try await client.getSecret(name)
                return client.cacheStats().l1Hits > before
            }
            guard served else { return false }
        }
        return true
    }

    /// Waits until `client` has applied every key-invalidation notification Redis sent before the
    /// call. A sentinel entry goes into the in-process cache, then its key is written in Redis:
    /// notifications come in order on the client's one subscription, so when that write's
    /// notification has evicted the sentinel, every earlier one has been applied too.
    static func notificationsApplied(_ client: CachedClient) async throws -> Bool {
        let l1 = try #require(client.l1)
        let sentinel = client.config.cachePrefix + "barrier-\(UUID().uuidString)"
        // A fill is refused while the subscription is down or when an eviction raced it: try again.
        let held = try await eventually(timeout: .seconds(60), every: .milliseconds(10)) {
            l1.fill(sentinel, .notFound, ttl: .seconds(600), since: l1.ticket)
            return l1.entry(forKey: sentinel) != nil
        }
        guard held else { return false }
        try await client.redis.set(sentinel, Data("barrier".utf8), expiration: .seconds(600))
        return try await eventually(timeout: .seconds(60), every: .milliseconds(5)) {
            l1.entry(forKey: sentinel) == nil
        }
    }

    /// How many commands Redis refused for want of authentication (`INFO errorstats`).
    static func refusedForNoAuthentication(_ redis: RedisClient) async throws -> Int {
        let info = try await redis.send(RedisCommand("INFO", "errorstats")).string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("errorstat_NOAUTH:") }),
            let count = line.split(separator: "=").last
        else { return 0 }
        return Int(count) ?? -1
    }

    /// How many GETs Redis has executed (`INFO commandstats`).
    static func redisGets(_ redis: RedisClient) async throws -> Int {
        let info = try await redis.send(RedisCommand("INFO", "commandstats")).string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_get:") }),
            let calls = line.split(separator: ",").first?.split(separator: "=").last
        else { return 0 }
        return Int(calls) ?? -1
    }

    @Test func aRepeatedReadIsServedInProcessWithoutRedis() async throws {
        let setup = try await PrivateRedisSetup(value: "in-process")
        let (client, name, redis) = (setup.client, setup.name, setup.redis)
        #expect(try await Self.servedInProcess(client, name))

        let getsBefore = try await Self.redisGets(redis)
        let before = client.cacheStats()
        for _ in 0..<100 { #expect(try await client.getSecret(name).value == "in-process") }
        #expect(try await Self.redisGets(redis) == getsBefore)
        let after = client.cacheStats()
        #expect(after.l1Hits == before.l1Hits + 100)
        #expect(after.hits == before.hits + 100)
        #expect(after.misses == before.misses)
    }

    /// With the subscription stopped and the cache forced live, only the write paths themselves
    /// can evict: a notification cannot hide a missing eviction.
    @Test func ownWritesEvictTheirEntriesWithoutWaitingForTheNotification() async throws {
        let client = try Self.l1Client()
        defer { client.close() }
        client.l1Subscription?.cancel()
        await client.l1Subscription?.value
        client.l1?.apply(.everything)
        let user = LibraryTestSupport.uniqueUser()
        let name = IntegrationKey(userID: user, type: .weather).secretName
        try await client.setUserIntegration(userID: user, type: .weather, value: "first-value-aaa")
        _ = try await client.getSecret(name)
        _ = try await client.getUserIntegration(userID: user, type: .weather)
        let before = client.cacheStats().l1Hits
        #expect(try await client.getSecret(name).value == "first-value-aaa")
        #expect(try await client.getUserIntegration(userID: user, type: .weather).maskedKey == "***aaa")
        #expect(client.cacheStats().l1Hits == before + 2)

        try await client.setUserIntegration(userID: user, type: .weather, value: "second-value-bbb")
        #expect(try await client.getSecret(name).value == "second-value-bbb")
        #expect(try await client.getUserIntegration(userID: user, type: .weather).maskedKey == "***bbb")

        let properties = try await client.vault.setSecret(name, value: "third-value-ccc")
        #expect(await client.warm(Secret(properties: properties, value: "third-value-ccc")))
        #expect(try await client.getSecret(name).value == "third-value-ccc")
        #expect(try await client.getUserIntegration(userID: user, type: .weather).maskedKey == "***ccc")

        try await client.deleteUserIntegration(userID: user, type: .weather)
        #expect(try await client.getUserIntegration(userID: user, type: .weather).status == .notConfigured)
        await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) }
    }

    /// The eviction waits for Redis's notification: the time it took is printed, and the wait is
    /// bounded only so that a notification that never comes fails the test.
    @Test func aWriteByAnotherClientEvictsTheReadersEntry() async throws {
        let reader = try Self.l1Client()
        defer { reader.close() }
        let writer = try Self.l1Client(prefix: reader.config.cachePrefix)
        defer { writer.close() }
        let name = LibraryTestSupport.uniqueName("l1-peer")
        try await writer.setSecret(name, value: "before")
        #expect(try await Self.servedInProcess(reader, name))

        let written = ContinuousClock.now
        try await writer.setSecret(name, value: "after")
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(1)) {
                try await reader.getSecret(name).value == "after"
            })
        print(
            "L1 cross-client eviction: the new value was read \(ContinuousClock.now - written) after the write returned"
        )
    }

    @Test func aLostSubscriptionEmptiesTheCacheUntilItIsBack() async throws {
        let setup = try await PrivateRedisSetup(value: "v")
        let (client, name, admin) = (setup.client, setup.name, setup.redis)
        #expect(try await Self.servedInProcess(client, name))

        // A password keeps the subscriber from reconnecting; connections already open stay signed in.
        _ = try await admin.send(RedisCommand("CONFIG", "SET", "requirepass", "l1-test"))
        #expect(try await admin.send(RedisCommand("CLIENT", "KILL", "TYPE", "pubsub")).integer == 1)
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(10)) {
                let before = client.cacheStats().l1Hits
                _ = try await client.getSecret(name)
                return client.cacheStats().l1Hits == before
            })

        // Past a failed retry (after 1 s; Redis counts its refused command): every read goes to Redis.
        #expect(try await eventually(timeout: .seconds(60)) { try await Self.refusedForNoAuthentication(admin) >= 1 })
        let down = client.cacheStats()
        let getsBefore = try await Self.redisGets(admin)
        let reads = 30
        for _ in 0..<reads {
            #expect(try await client.getSecret(name).value == "v")
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(client.cacheStats().l1Hits == down.l1Hits)
        #expect(client.cacheStats().hits == down.hits + reads)
        #expect(try await Self.redisGets(admin) == getsBefore + reads)

        _ = try await admin.send(RedisCommand("CONFIG", "SET", "requirepass", ""))
        #expect(try await Self.servedInProcess(client, name))
    }
}
