import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// The library against the TLS-only redis-server, configured as users configure it: `rediss://`
/// and `REDIS_CA_FILE`.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redisTLS)))
struct CachedClientTLSTests {
    static func client(caFile: String? = nil, l1: Bool = false) throws -> CachedClient {
        let tls = try TestEnvironment.redisTLS()
        var config = try LibraryTestSupport.cachedConfig()
        config.redis = try RedisEnvironmentTests.redis([
            "REDIS_URL": "rediss://localhost:\(tls.port)", "REDIS_CA_FILE": caFile ?? tls.caFile,
        ])
        config.l1CacheSize = l1 ? 64 : 0
        return try CachedClient(config: config)
    }

    @Test func cacheAsideHitsOverTLS() async throws {
        let client = try Self.client()
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("tls")
        try await client.setSecret(name, value: "over-tls")
        #expect(try await client.getSecret(name).value == "over-tls")
        #expect(try await client.getSecret(name).value == "over-tls")
        #expect(client.cacheStats().hits >= 1)
        #expect(await client.health().healthy)
    }

    @Test func theInProcessCacheStaysCoherentOverTLS() async throws {
        let reader = try Self.client(l1: true)
        defer { reader.close() }
        let name = LibraryTestSupport.uniqueName("tls-l1")
        try await reader.setSecret(name, value: "first")
        #expect(try await CachedClientL1Tests.servedInProcess(reader, name))
        // Another process (another client) writes: the notification over TLS evicts the entry.
        var config = reader.config
        config.l1CacheSize = 0
        let writer = try CachedClient(config: config)
        defer { writer.close() }
        try await writer.setSecret(name, value: "second")
        #expect(try await eventually { try await reader.getSecret(name).value == "second" })
    }

    @Test func aServerCertificateFromAnotherCAFallsBackToTheVaultAndHealthSaysWhy() async throws {
        let tls = try TestEnvironment.redisTLS()
        let client = try Self.client(caFile: tls.wrongCAFile)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("tls-wrong-ca")
        try await client.setSecret(name, value: "from-the-vault")
        #expect(try await client.getSecret(name).value == "from-the-vault")
        #expect(try await client.getSecret(name).value == "from-the-vault")
        #expect(client.cacheStats().hits == 0)
        let health = await client.health()
        #expect(health.unhealthyComponents == ["redis"])
        #expect(health["redis"]?.error?.contains("certificate is refused") == true)
    }
}
