import Foundation
import KeyVault
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator against the TLS-only redis-server, configured as on Azure Cache for Redis:
/// `rediss://` and the CA that signed the server's certificate.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redisTLS)))
struct RedisTLSOperatorTests {
    static func environment(caFile: String? = nil) throws -> [String: String] {
        let tls = try TestEnvironment.redisTLS()
        return ["REDIS_URL": "rediss://localhost:\(tls.port)", "REDIS_CA_FILE": caFile ?? tls.caFile]
    }

    @Test func theOperatorWarmsAndObservesATLSOnlyRedis() async throws {
        let environment = try Self.environment()
        let harness = try await OperatorHarness(resyncPeriod: "10m", environment: environment)
        let emulator = try TestEnvironment.emulator()
        let library = try CachedClient(
            config: CachedClientConfig.fromEnvironment(
                environment.merging(["KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile]) { $1 }))
        defer { library.close() }
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "tls-warmed-5d4")
        try await harness.create("warmed", userID: user, type: "weather", secretRef: ("creds", "k"))
        let warmed = try await harness.waitFor("warmed") { RedisOutageTests.cacheWarmed($0) == .true }
        #expect(warmed.status?.state == .connected)
        // The entry the operator wrote over TLS is what the app reads: a hit.
        #expect(try await library.getUserIntegration(userID: user, type: .weather).maskedKey == "***5d4")
        #expect(library.cacheStats().hits == 1)

        // Observe mode: an app's write over TLS reaches the operator through invalidations over TLS.
        try await harness.create("live", userID: user, type: "google_home")
        _ = try await harness.waitFor("live") { $0.status?.state == .notConfigured }
        try await harness.waitUntilReady()
        _ = try await library.setUserIntegration(userID: user, type: .googleHome, value: "oauth-over-tls-9z8")
        _ = try await harness.waitFor("live") { $0.status?.maskedKey == "***9z8" }
    }

    @Test func aServerCertificateFromAnotherCAIsReportedAndReconcilingGoesOn() async throws {
        let tls = try TestEnvironment.redisTLS()
        let harness = try await OperatorHarness(environment: try Self.environment(caFile: tls.wrongCAFile))
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "no-cache-value-3c2")
        try await harness.create("uncached", userID: user, type: "alexa", secretRef: ("creds", "k"))
        let reconciled = try await harness.waitFor("uncached") { RedisOutageTests.cacheWarmed($0) == .false }
        #expect(reconciled.status?.state == .connected)
        let message = reconciled.status?.conditions?.first { $0.type == "CacheWarmed" }?.message ?? ""
        #expect(message.contains("certificate is refused"), "\(message)")
    }
}
