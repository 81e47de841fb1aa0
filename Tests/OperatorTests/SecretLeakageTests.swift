import Foundation
import KeyVault
import Kubernetes
import Redis
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// Secret values never leak: after a scenario that pushes, rotates, observes, refuses and deletes
/// values carrying unique markers, no marker appears in the operator's log, events, statuses,
/// metrics or the CLI's output, nor in plain text in Redis (cache encryption on).
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct SecretLeakageTests {
    @Test func noMarkerAppearsAnywhereButTheVault() async throws {
        let key = Data((0..<32).map { _ in UInt8.random(in: 0...255) })
        let harness = try await OperatorHarness(
            resyncPeriod: "2s", environment: ["KEYVAULT_CACHE_ENCRYPTION_KEY": key.base64EncodedString()])
        let redis = try TestEnvironment.redis()
        let emulator = try TestEnvironment.emulator()
        let library = try CachedClient(
            config: CachedClientConfig(
                keyVault: ClientConfig(
                    vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))),
                redis: .init(host: redis.host, port: redis.port, commandTimeout: TestEnvironment.redisCommandTimeout),
                encryptionKey: key))
        let user = OperatorEndToEndTests.user()
        let markers = (0..<5).map { "LEAKMARKER\($0)x\(UUID().uuidString.prefix(8))" }

        try await harness.createSecret("pushed", key: "k", value: markers[0] + "-4f2")
        try await harness.create("pushed", userID: user, type: "weather", secretRef: ("pushed", "k"))
        try await harness.create("observed", userID: user, type: "alexa")
        try await harness.createSecret("huge", key: "k", value: markers[1] + String(repeating: "x", count: 26 * 1024))
        try await harness.create("refused", userID: user, type: "ifttt", secretRef: ("huge", "k"))
        try await harness.create("clash", userID: user, type: "weather", secretRef: ("pushed", "k"))
        _ = try await harness.waitFor("pushed") { $0.status?.state == .connected }
        _ = try await harness.kube.patch(
            KubernetesSecret.self, .secrets, namespace: harness.namespace, name: "pushed",
            patch: Data(#"{"stringData":{"k":"\#(markers[2])-9ab"}}"#.utf8))
        _ = try await harness.waitFor("pushed") { $0.status?.maskedKey == "***9ab" }
        _ = try await library.setUserIntegration(userID: user, type: .alexa, value: markers[3] + "-c3d")
        _ = try await harness.waitFor("observed") { $0.status?.maskedKey == "***c3d" }
        _ = try await library.setUserIntegration(userID: user, type: .mqttBroker, value: markers[4] + "-e5f")
        _ = try await library.listUserIntegrations(userID: user)
        _ = try await harness.waitFor("refused") { $0.status?.state == .error }
        _ = try await harness.waitFor("clash") { $0.status?.state == .error }
        let cli = try await CommandRun(
            ["integration", "list", "--user", user],
            environment: ["KEYVAULT_CACHE_ENCRYPTION_KEY": key.base64EncodedString()])
        let reconciled = try await harness.reconciles()
        try await harness.kube.delete(UserIntegration.resource, namespace: harness.namespace, name: "pushed")
        // The deletion and a resync pass (2 s) over the other three: the deleted resource gone, and
        // four more reconciles finished, however slowly a loaded machine gets there.
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                (try? await harness.get("pushed")) == nil
            }, "the deletion was finalized")
        #expect(try await harness.waitForReconciles(4, after: reconciled), "a resync pass reconciled the resources")

        var places: [String: String] = [
            "operator log": harness.log, "metrics": try await harness.endpoint("/metrics").body,
            "integration list": cli.output + cli.error,
        ]
        places["statuses"] = String(
            decoding: try JSONEncoder().encode(
                try await harness.kube.listAll(
                    UserIntegration.self, UserIntegration.resource, namespace: harness.namespace
                ).items),
            as: UTF8.self)
        places["events"] = String(
            decoding: try JSONEncoder().encode(
                try await harness.kube.listAll(Event.self, .events, namespace: harness.namespace).items), as: UTF8.self)
        let raw = RedisClient(patient: .init(host: redis.host, port: redis.port))
        var cached = ""
        for redisKey in try await raw.scanAll(match: "keyvault:*\(user)*") {
            cached += String(decoding: try await raw.get(redisKey) ?? Data(), as: UTF8.self)
        }
        #expect(!cached.isEmpty, "the scenario cached entries to scan")
        places["redis"] = cached
        for (place, text) in places {
            for marker in markers { #expect(!text.contains(marker), "\(marker) in \(place)") }
        }
        // The kernel's dumpable flag, as the operator read it back: no core file can hold a value.
        #expect(harness.log.contains(#""core_dumps":"off""#))
        print(
            "leakage scan: \(markers.count) markers, \(places.count) places, \(places.values.map(\.utf8.count).reduce(0, +)) bytes scanned, 0 found"
        )
    }
}
