import Foundation
import Redis
import TestEnvironment
import Testing

@testable import KeyVault

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct CachedClientTests {
    @Test func secondReadIsACacheHitWithoutAVaultCall() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let name = LibraryTestSupport.uniqueName("hit")
        try await client.setSecret(name, value: "cached-value")
        #expect(try await client.getSecret(name).value == "cached-value")
        let before = try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)")
        #expect(try await client.getSecret(name).value == "cached-value")
        #expect(try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)") == before)
        let stats = client.cacheStats()
        #expect(stats.hits == 1)
        #expect(stats.misses == 1)
        #expect(stats.hitRate == 0.5)
    }

    @Test func setAndDeleteInvalidateTheCache() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let name = LibraryTestSupport.uniqueName("inval")
        try await client.setSecret(name, value: "one")
        _ = try await client.getSecret(name)
        try await client.setSecret(name, value: "two")
        #expect(try await client.getSecret(name).value == "two")
        try await client.deleteSecret(name)
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) }
        #expect(error?.code == .secretNotFound)
    }

    @Test func entriesExpireAfterTheTTL() async throws {
        let ttl = Duration.milliseconds(1500)
        // A hit is owed only to a read that ends within the TTL of the fill's start: an attempt that
        // a loaded machine made slower than that proves nothing about hits, and is made again.
        for attempt in 0..<10 {
            let client = try CachedClient(config: LibraryTestSupport.cachedConfig(cacheTTL: ttl))
            defer { client.close() }
            let name = LibraryTestSupport.uniqueName("ttl")
            try await client.setSecret(name, value: "v")
            let fillStarted = ContinuousClock.now
            _ = try await client.getSecret(name)
            let filled = ContinuousClock.now  // Redis had the entry, and its expiry, by now
            _ = try await client.getSecret(name)
            guard ContinuousClock.now - fillStarted < ttl else {
                print("cache TTL: attempt \(attempt) read the entry again only after its TTL; trying again")
                continue
            }
            #expect(client.cacheStats().hits == 1)
            // Past the TTL, counted from when the fill had surely been written, the entry is gone.
            try await ContinuousClock().sleep(until: filled + ttl + .milliseconds(200))
            _ = try await client.getSecret(name)
            #expect(client.cacheStats().misses == 2)
            #expect(client.cacheStats().hits == 1)
            #expect(client.cacheStats().errors == 0)
            return
        }
        Issue.record("in 10 attempts, no second read came within the TTL of the fill")
    }

    @Test func notFoundIsCachedUntilASet() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let name = LibraryTestSupport.uniqueName("negative")
        for _ in 0..<3 { await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) } }
        #expect(try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)") == 1)
        try await client.setSecret(name, value: "now-there")
        #expect(try await client.getSecret(name).value == "now-there")
    }

    @Test func concurrentMissesMakeOneVaultCall() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let name = LibraryTestSupport.uniqueName("flight")
        try await client.vault.setSecret(name, value: "shared")
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<100 { group.addTask { try await client.getSecret(name).value } }
            for try await value in group { #expect(value == "shared") }
        }
        #expect(try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)") == 1)
    }

    @Test func encryptedCacheHoldsNoPlaintext() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let config = try LibraryTestSupport.cachedConfig(encryptionKey: key)
        let client = try CachedClient(config: config)
        let name = LibraryTestSupport.uniqueName("sealed")
        try await client.setSecret(name, value: "plaintext-marker-\(name)")
        _ = try await client.getSecret(name)
        let raw = try await RedisClient(patient: .init(host: config.redis.host, port: config.redis.port)).get(
            config.cachePrefix + "secret:" + name)
        let bytes = try #require(raw)
        #expect(bytes.range(of: Data("plaintext-marker".utf8)) == nil)

        var wrongKeyConfig = config
        wrongKeyConfig.encryptionKey = Data(repeating: 1, count: 32)
        let wrongKey = try CachedClient(config: wrongKeyConfig)
        #expect(try await wrongKey.getSecret(name).value == "plaintext-marker-\(name)")
        #expect(wrongKey.cacheStats().misses == 1)
    }

    /// Someone who can write Redis replays an old sealed entry (an old credential) after its
    /// time: its not-after time, sealed inside, makes it a miss, and the vault's value is read.
    @Test func aReplayedEntryIsRefusedAfterItsTime() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let config = try LibraryTestSupport.cachedConfig(encryptionKey: key)
        let client = try CachedClient(config: config)
        let redis = RedisClient(patient: .init(host: config.redis.host, port: config.redis.port))
        let name = LibraryTestSupport.uniqueName("replay")
        let redisKey = config.cachePrefix + "secret:" + name
        try await client.setSecret(name, value: "old-credential")
        let old = try await client.getSecret(name)
        try await client.setSecret(name, value: "new-credential")
        // The entry an earlier write sealed, as someone who kept it puts it back (no expiry).
        func replay(sealedUntil notAfter: Date) async throws {
            try await redis.set(redisKey, try client.codec.encode(.secret(old), redisKey: redisKey, notAfter: notAfter))
        }
        // Within its time the entry is what the cache holds: that is cache-aside's staleness.
        try await replay(sealedUntil: Date() + 300)
        #expect(try await client.getSecret(name).value == "old-credential")
        // Past its time it is refused, whatever Redis says of its expiry.
        try await replay(sealedUntil: Date() - 1)
        let misses = client.cacheStats().misses
        #expect(try await client.getSecret(name).value == "new-credential")
        #expect(client.cacheStats().misses == misses + 1)
    }

    /// During a key rotation, entries sealed with the old key stay hits for clients that list it
    /// in KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS; new entries are sealed with the new key.
    @Test func aRotationKeepsOldEntriesReadable() async throws {
        let oldKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let newKey = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let old = try LibraryTestSupport.cachedConfig(encryptionKey: oldKey)
        let name = LibraryTestSupport.uniqueName("rotation")
        try await CachedClient(config: old).setSecret(name, value: "rotated-value")
        _ = try await CachedClient(config: old).getSecret(name)
        let requests = try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)")

        var rotated = old
        rotated.encryptionKey = newKey
        rotated.previousEncryptionKeys = [oldKey]
        let reader = try CachedClient(config: rotated)
        #expect(try await reader.getSecret(name).value == "rotated-value")
        #expect(reader.cacheStats().hits == 1)
        #expect(try await LibraryTestSupport.vaultRequests("GET", "/secrets/\(name)") == requests)
    }

    @Test func userIntegrationsReportStatesWithMaskedKeys() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let user = LibraryTestSupport.uniqueUser()
        try await client.setUserIntegration(userID: user, type: .weather, value: "weather-api-key-4f2")
        try await client.setUserIntegration(
            userID: user, type: .alexa, value: "alexa-token-xyz", expiresAt: Date(timeIntervalSinceNow: -60))
        let weather = try await client.getUserIntegration(userID: user, type: .weather)
        #expect(weather.status == .connected)
        #expect(weather.maskedKey == "***4f2")
        #expect(try await client.getUserIntegration(userID: user, type: .alexa).status == .expired)
        #expect(try await client.getUserIntegration(userID: user, type: .ifttt).status == .notConfigured)

        let all = try await client.listUserIntegrations(userID: user)
        #expect(all.map(\.type) == IntegrationType.allCases)
        #expect(all.filter { $0.status == .connected }.map(\.type) == [.weather])
        #expect(all.filter { $0.status == .expired }.map(\.type) == [.alexa])

        let vaultCallsBefore = try await LibraryTestSupport.vaultRequests("GET", "/secrets/user-\(user)-smartthings")
        let again = try await client.listUserIntegrations(userID: user)
        #expect(again == all)
        #expect(
            try await LibraryTestSupport.vaultRequests("GET", "/secrets/user-\(user)-smartthings") == vaultCallsBefore)

        try await client.deleteUserIntegration(userID: user, type: .weather)
        #expect(try await client.getUserIntegration(userID: user, type: .weather).status == .notConfigured)
        try await client.deleteUserIntegration(userID: user, type: .mqttBroker)
        await #expect(throws: KeyVaultError.self) {
            try await client.getUserIntegration(userID: "Bad_User", type: .weather)
        }
    }

    @Test func integrationWritesInvalidateBothKeyForms() async throws {
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig())
        let user = LibraryTestSupport.uniqueUser()
        let name = IntegrationKey(userID: user, type: .smsNotification).secretName
        try await client.setUserIntegration(userID: user, type: .smsNotification, value: "first-value-aaa")
        _ = try await client.getSecret(name)
        _ = try await client.getUserIntegration(userID: user, type: .smsNotification)
        try await client.setSecret(name, value: "second-value-bbb")
        #expect(try await client.getUserIntegration(userID: user, type: .smsNotification).maskedKey == "***bbb")
        #expect(try await client.getSecret(name).value == "second-value-bbb")
    }

    @Test func secretValuesNeverReachTheLogs() async throws {
        let (logger, store) = CapturingLogHandler.logger()
        let config = try LibraryTestSupport.cachedConfig()
        let client = try CachedClient(config: config, logger: logger)
        let marker = "leak-marker-\(UUID().uuidString)"
        let name = LibraryTestSupport.uniqueName("leak")
        try await client.setSecret(name, value: marker)
        _ = try await client.getSecret(name)
        _ = try await client.getSecret(name)
        try await client.setSecret(name, value: marker + "-2", attributes: .init(enabled: false))
        _ = try? await client.getSecret(name)
        let user = LibraryTestSupport.uniqueUser()
        try await client.setUserIntegration(userID: user, type: .energyProvider, value: marker)
        _ = try await client.listUserIntegrations(userID: user)
        _ = await client.health()
        #expect(!store.text.isEmpty)
        #expect(!store.text.contains(marker))
    }
}

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct CachedClientRedisOutageTests {
    @Test func readsSurviveRedisGoingDownAndHitsResumeWhenItReturns() async throws {
        let (server, port) = try await LibraryTestSupport.privateRedis()
        let client = try CachedClient(config: LibraryTestSupport.cachedConfig(redisPort: port))
        let name = LibraryTestSupport.uniqueName("outage")
        try await client.setSecret(name, value: "survives")
        _ = try await client.getSecret(name)

        await server.kill()
        for _ in 0..<5 { #expect(try await client.getSecret(name).value == "survives") }
        let down = await client.health()
        #expect(down.unhealthyComponents == ["redis"])
        #expect(client.cacheStats().errors >= 5)

        try await server.start(waitingForPort: port)
        _ = try await client.getSecret(name)
        let hitsBefore = client.cacheStats().hits
        #expect(try await client.getSecret(name).value == "survives")
        #expect(client.cacheStats().hits == hitsBefore + 1)
        #expect(await client.health().healthy)
    }
}
