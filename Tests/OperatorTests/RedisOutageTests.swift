import Foundation
import KeyVault
import Synchronization
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// Redis down for 30 s under read load: apps' reads never fail (they fall through to the vault),
/// health says Redis is down, hits resume soon after Redis returns, and the operator keeps
/// reconciling with `CacheWarmed=False`, then `True` again.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct RedisOutageTests {
    static let outage = Duration.seconds(
        Int(ProcessInfo.processInfo.environment["KVO_CHAOS_OUTAGE_SECONDS"] ?? "") ?? 30)

    @Test func readsSurviveARedisOutageAndTheOperatorCarriesOn() async throws {
        let redis = try TestEnvironment.redis()
        let emulator = try TestEnvironment.emulator()
        let port = LocalPorts.free()
        let server = ServerProcess(
            executable: redis.serverBinary,
            arguments: ["--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no"])
        try await server.start(waitingForPort: port)
        defer { server.sendKill() }
        let harness = try await OperatorHarness(resyncPeriod: "2s", environment: ["REDIS_PORT": "\(port)"])
        let library = try CachedClient(
            config: CachedClientConfig(
                keyVault: ClientConfig(
                    vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))),
                redis: .init(host: "127.0.0.1", port: port)))
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "outage-value-111")
        try await harness.create("before", userID: user, type: "weather", secretRef: ("creds", "k"))
        _ = try await harness.waitFor("before") { Self.cacheWarmed($0) == .true }

        let names = (0..<5).map { "outage-\(user)-\($0)" }
        for name in names { try await library.setSecret(name, value: "v-\(name)") }
        let failures = Mutex(0), reads = Mutex(0)
        let load = Task {
            while !Task.isCancelled {
                for name in names {
                    do {
                        _ = try await library.getSecret(name)
                        reads.withLock { $0 += 1 }
                    } catch {
                        failures.withLock { $0 += 1 }
                    }
                }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        defer { load.cancel() }
        try await Task.sleep(for: .milliseconds(300))

        await server.kill()
        let health = await library.health()
        #expect(health.unhealthyComponents == ["redis"])
        _ = try await harness.waitFor("before", timeout: .seconds(120)) { Self.cacheWarmed($0) == .false }
        try await harness.create("during", userID: user, type: "alexa", secretRef: ("creds", "k"))
        let during = try await harness.waitFor("during", timeout: .seconds(120)) { $0.status?.state != nil }
        #expect(during.status?.state == .connected)
        #expect(Self.cacheWarmed(during) == .false)
        try await Task.sleep(for: Self.outage)

        try await server.start(waitingForPort: port)
        let back = ContinuousClock.now
        let hitsBefore = library.cacheStats().hits
        // Hits resume (within a second or two; the figure is printed): the limit only ends a test
        // whose library never uses Redis again.
        let resumed = try await eventually(timeout: .seconds(120), every: .milliseconds(10)) {
            library.cacheStats().hits > hitsBefore + names.count
        }
        let hitsResumed = ContinuousClock.now - back
        _ = try await harness.waitFor("before", timeout: .seconds(120)) { Self.cacheWarmed($0) == .true }
        _ = try await harness.waitFor("during", timeout: .seconds(120)) { Self.cacheWarmed($0) == .true }
        let warmedAgain = ContinuousClock.now - back
        load.cancel()
        print(
            "redis outage of \(Self.outage): \(reads.withLock { $0 }) reads, \(failures.withLock { $0 }) failed; hits resumed \(hitsResumed) after Redis returned; CacheWarmed=True again after \(warmedAgain)"
        )
        #expect(failures.withLock { $0 } == 0)
        #expect(resumed, "cache hits resumed after Redis returned")
        #expect((await library.health()).healthy)
    }

    static func cacheWarmed(_ resource: UserIntegration) -> Condition.Status? {
        resource.status?.conditions?.first { $0.type == "CacheWarmed" }?.status
    }
}
