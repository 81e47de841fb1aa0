import Foundation
import KeyVault
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator against Redis as managed services run it: TLS only, configured as on Azure Cache
/// for Redis (`rediss://` and the CA that signed the server's certificate), and an ACL user with
/// exactly the least-privilege rule of `docs/security.md`, and a Redis Cluster.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis) && TestEnvironment.shouldRun(.redisTLS)
            && TestEnvironment.shouldRun(.redisCluster)))
struct ManagedRedisOperatorTests {
    static func tlsEnvironment(caFile: String? = nil) throws -> [String: String] {
        let tls = try TestEnvironment.redisTLS()
        return ["REDIS_URL": "rediss://localhost:\(tls.port)", "REDIS_CA_FILE": caFile ?? tls.caFile]
    }

    @Test func theOperatorWarmsAndObservesATLSOnlyRedis() async throws {
        try await Self.warmsAndObserves(environment: try Self.tlsEnvironment())
    }

    @Test func theOperatorWarmsAndObservesAsTheLeastPrivilegedACLUser() async throws {
        let user = try await RedisACLUser.create()
        let redis = try TestEnvironment.redis()
        try await Self.warmsAndObserves(environment: [
            "REDIS_URL": "redis://\(user.username):\(user.password)@\(redis.host):\(redis.port)"
        ])
        try await user.delete()
    }

    @Test func theOperatorWarmsAndObservesARedisCluster() async throws {
        let seed = try TestEnvironment.redisClusterPorts()[0]
        try await Self.warmsAndObserves(environment: [
            "REDIS_URL": "redis://127.0.0.1:\(seed)", "REDIS_CLUSTER": "true",
        ])
    }

    /// Warms a secret the app then reads as a hit, and hears of an app's write through invalidations.
    static func warmsAndObserves(environment: [String: String]) async throws {
        let harness = try await OperatorHarness(resyncPeriod: "10m", environment: environment)
        let emulator = try TestEnvironment.emulator()
        let library = try CachedClient(
            config: CachedClientConfig.fromEnvironment(
                environment.merging(["KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile]) { $1 }))
        defer { library.close() }
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "warmed-5d4")
        try await harness.create("warmed", userID: user, type: "weather", secretRef: ("creds", "k"))
        let warmed = try await harness.waitFor("warmed") { RedisOutageTests.cacheWarmed($0) == .true }
        #expect(warmed.status?.state == .connected)
        // The entry the operator wrote is what the app reads: a hit.
        #expect(try await library.getUserIntegration(userID: user, type: .weather).maskedKey == "***5d4")
        #expect(library.cacheStats().hits == 1)

        // Observe mode: an app's write reaches the operator through invalidations.
        try await harness.create("live", userID: user, type: "google_home")
        _ = try await harness.waitFor("live") { $0.status?.state == .notConfigured }
        try await harness.waitUntilReady()
        _ = try await library.setUserIntegration(userID: user, type: .googleHome, value: "oauth-observed-9z8")
        _ = try await harness.waitFor("live") { $0.status?.maskedKey == "***9z8" }
    }

    @Test func aServerCertificateFromAnotherCAIsReportedAndReconcilingGoesOn() async throws {
        let tls = try TestEnvironment.redisTLS()
        let harness = try await OperatorHarness(environment: try Self.tlsEnvironment(caFile: tls.wrongCAFile))
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "no-cache-value-3c2")
        try await harness.create("uncached", userID: user, type: "alexa", secretRef: ("creds", "k"))
        let reconciled = try await harness.waitFor("uncached") { RedisOutageTests.cacheWarmed($0) == .false }
        #expect(reconciled.status?.state == .connected)
        let message = reconciled.status?.conditions?.first { $0.type == "CacheWarmed" }?.message ?? ""
        #expect(message.contains("certificate is refused"), "\(message)")
    }
}
