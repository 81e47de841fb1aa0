import Foundation
import Logging
import TestEnvironment
import Testing

@testable import KeyVault

/// The library as an ACL user of Redis with exactly the least-privilege rule of
/// `docs/security.md`, and with that rule short of `CLIENT TRACKING`.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct RedisACLTests {
    /// The environment an app sets for `user`, with the default cache prefix the rule covers.
    static func environment(_ user: RedisACLUser) throws -> [String: String] {
        let redis = try TestEnvironment.redis()
        let emulator = try TestEnvironment.emulator()
        return [
            "KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile,
            "REDIS_HOST": redis.host, "REDIS_PORT": "\(redis.port)",
            "REDIS_USERNAME": user.username, "REDIS_PASSWORD": user.password,
        ]
    }

    static func client(_ user: RedisACLUser, l1: Bool, logger: Logger? = nil) throws -> CachedClient {
        var config = try CachedClientConfig.fromEnvironment(environment(user))
        #expect(config.cachePrefix == "keyvault:")
        config.l1CacheSize = l1 ? 64 : 0
        return try logger.map { try CachedClient(config: config, logger: $0) } ?? CachedClient(config: config)
    }

    @Test func everythingWorksForAUserWithExactlyTheDocumentedRule() async throws {
        let user = try await RedisACLUser.create()
        let (logger, log) = CapturingLogHandler.logger()
        let reader = try Self.client(user, l1: true, logger: logger)
        let writer = try Self.client(user, l1: false)
        defer { reader.close(); writer.close() }
        let owner = LibraryTestSupport.uniqueUser()

        _ = try await writer.setUserIntegration(userID: owner, type: .weather, value: "acl-first-1a2")
        #expect(try await reader.getUserIntegration(userID: owner, type: .weather).maskedKey == "***1a2")
        #expect(try await reader.getUserIntegration(userID: owner, type: .weather).maskedKey == "***1a2")
        let listed = try await reader.listUserIntegrations(userID: owner)
        #expect(listed.count == IntegrationType.allCases.count)
        #expect(reader.cacheStats().hits >= 1)

        // Invalidation tracking: a write elsewhere reaches the reader's in-process cache.
        let name = "user-\(owner)-weather"
        #expect(try await CachedClientL1Tests.servedInProcess(reader, name))
        _ = try await writer.setUserIntegration(userID: owner, type: .weather, value: "acl-second-3b4")
        #expect(try await eventually { try await reader.getSecret(name).value == "acl-second-3b4" })

        try await writer.deleteUserIntegration(userID: owner, type: .weather)
        #expect(
            try await eventually {
                try await reader.getUserIntegration(userID: owner, type: .weather).status == .notConfigured
            })
        #expect(await reader.health().healthy)
        #expect(!log.text.contains("NOPERM"), "\(log.text)")
        try await user.delete()
    }

    @Test func aUserWithoutClientTrackingIsToldWhichGrantIsMissing() async throws {
        let user = try await RedisACLUser.create(withholding: ["+client|tracking"])
        let (logger, log) = CapturingLogHandler.logger()
        let client = try Self.client(user, l1: true, logger: logger)
        defer { client.close() }
        let owner = LibraryTestSupport.uniqueUser()

        #expect(try await eventually { log.text.contains("refused by the Redis ACL") })
        let refusal = log.text.split(separator: "\n").filter { $0.contains("refused by the Redis ACL") }
        #expect(refusal.count == 1)
        #expect(refusal.first?.hasPrefix("error ") == true)
        #expect(refusal.first?.contains("permissionDenied") == true)
        #expect(refusal.first?.contains("'client|tracking'") == true, "\(refusal)")

        // Reads and writes go on through Redis; only the in-process cache stays off.
        _ = try await client.setUserIntegration(userID: owner, type: .alexa, value: "acl-no-tracking-5c6")
        #expect(try await client.getUserIntegration(userID: owner, type: .alexa).maskedKey == "***5c6")
        #expect(try await client.getUserIntegration(userID: owner, type: .alexa).maskedKey == "***5c6")
        #expect(client.cacheStats().hits >= 1)
        #expect(client.cacheStats().l1Hits == 0)
        try await user.delete()
    }
}
