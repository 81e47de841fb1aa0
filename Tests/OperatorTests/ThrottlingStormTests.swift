import Foundation
import HTTPTransport
import KeyVault
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// A 429 storm: every vault call throttled for 20 s while resources wait to be written. The
/// operator backs off (no retry storm: a bounded request rate) and everything converges after.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct ThrottlingStormTests {
    static let storm = Duration.seconds(Int(ProcessInfo.processInfo.environment["KVO_CHAOS_STORM_SECONDS"] ?? "") ?? 20)

    @Test func aThrottledVaultSeesABoundedRateAndEverythingConvergesAfter() async throws {
        let emulator = try PrivateEmulator(name: "storm")
        try await emulator.start(["--fault-throttle-rate", "1.0"])
        let harness = try await OperatorHarness(environment: emulator.environment)
        let user = OperatorEndToEndTests.user()
        let count = 20
        try await harness.createSecret("creds", key: "k", value: "storm-value-123")
        for index in 0..<count {
            try await harness.create(
                "storm-\(index)", userID: "\(user)-\(index)", type: "weather", secretRef: ("creds", "k"))
        }
        let started = ContinuousClock.now
        try await Task.sleep(for: Self.storm)
        let requests = try await EmulatorRequests(url: emulator.url, caFile: emulator.caFile).total()
        let elapsed = ContinuousClock.now - started
        let rate =
            Double(requests) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        // The storm goes on until the emulator restarts: a loaded machine may take longer to report
        // it in a status, and the limit only ends a test where none ever does.
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(500)) {
                try await (0..<count).asyncMap { try await harness.get("storm-\($0)").status }
                    .contains { $0?.conditions?.first { $0.type == "Ready" }?.reason == "Throttled" }
            })
        let states = try await (0..<count).asyncMap { try await harness.get("storm-\($0)").status }
        #expect(!states.contains { $0?.state == .connected })

        await emulator.stop()
        try await emulator.start()
        let after = ContinuousClock.now
        for index in 0..<count {
            _ = try await harness.waitFor("storm-\(index)", timeout: .seconds(120)) { $0.status?.state == .connected }
        }
        let converged = ContinuousClock.now - after
        print(
            String(
                format:
                    "429 storm of %@: %d vault requests for %d resources (%.1f/s, %.2f/s per resource); all connected %@ after it ended",
                "\(Self.storm)", requests, count, rate, rate / Double(count), "\(converged)"))
        // Unthrottled retries would be hundreds a second; backoff keeps each resource near one a second or less.
        #expect(rate / Double(count) < 1.5)
        // Converged without waiting out each resource's backoff: once the vault answered its probe,
        // the operator retried every waiting resource at once (how long that took is printed above).
        #expect(
            harness.log.contains("vault reachable again"), "the waiting resources were retried when the vault came back"
        )
    }
}
