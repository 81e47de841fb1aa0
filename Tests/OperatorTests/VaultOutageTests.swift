import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The vault down for 60 s while 200 resources change: no crash, `Ready=False` with
/// `KeyVaultUnavailable`, a bounded call rate, and every change in the vault soon after its return
/// (every resource retried at once, not after its backoff; the time it took is printed).
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct VaultOutageTests {
    static let outage = Duration.seconds(
        Int(ProcessInfo.processInfo.environment["KVO_CHAOS_OUTAGE_SECONDS"] ?? "") ?? 60)

    @Test func everyChangeMadeDuringAVaultOutageArrivesAfterIt() async throws {
        let emulator = try PrivateEmulator(name: "vault-outage")
        try await emulator.start()
        let harness = try await OperatorHarness(
            environment: emulator.environment.merging(["KEYVAULT_TIMEOUT": "5s"]) { $1 })
        let vault = try KeyVaultClient(
            config: ClientConfig(
                vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))))
        let user = OperatorEndToEndTests.user()
        let secrets = 20, perSecret = 10
        for s in 0..<secrets { try await harness.createSecret("creds-\(s)", key: "k", value: "before-\(s)-aaa") }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<secrets * perSecret {
                group.addTask {
                    try await harness.create(
                        "r-\(index)", userID: "\(user)-\(index)", type: "weather",
                        secretRef: ("creds-\(index % secrets)", "k"))
                }
            }
            try await group.waitForAll()
        }
        for index in 0..<secrets * perSecret {
            _ = try await harness.waitFor("r-\(index)", timeout: .seconds(120)) { $0.status?.state == .connected }
        }

        await emulator.stop()
        let stopped = ContinuousClock.now
        let callsBefore = try await harness.vaultCalls()
        for s in 0..<secrets {
            _ = try await harness.kube.patch(
                KubernetesSecret.self, .secrets, namespace: harness.namespace, name: "creds-\(s)",
                patch: Data(#"{"stringData":{"k":"after-\#(s)-bbb"}}"#.utf8))
        }
        let down = try await harness.waitFor("r-0", timeout: .seconds(120)) {
            $0.status?.conditions?.first { $0.type == "Ready" }?.reason == "KeyVaultUnavailable"
        }
        #expect(down.status?.conditions?.first { $0.type == "Ready" }?.status == .false)
        try await Task.sleep(for: Self.outage)
        let calls = try await harness.vaultCalls() - callsBefore
        // The calls' window as it was, longer than the outage's nominal length on a loaded machine.
        let window = ContinuousClock.now - stopped
        #expect(harness.isRunning)

        try await emulator.start()
        let back = ContinuousClock.now
        for index in 0..<secrets * perSecret {
            _ = try await harness.waitFor("r-\(index)", timeout: .seconds(120)) {
                $0.status?.maskedKey == "***bbb" && $0.status?.state == .connected
            }
        }
        let converged = ContinuousClock.now - back
        for index in stride(from: 0, to: secrets * perSecret, by: 17) {
            #expect(try await vault.getSecret("user-\(user)-\(index)-weather").value == "after-\(index % secrets)-bbb")
        }
        let seconds = window / .seconds(1)
        print(
            String(
                format:
                    "vault outage of %@ with %d resources changed: %.0f failed vault calls (%.2f/s, at most 3 attempts each); all converged %@ after the vault returned",
                "\(Self.outage)", secrets * perSecret, calls, calls / seconds, "\(converged)"))
        // Converged without waiting out each resource's backoff (which grows to minutes in an
        // outage this long): once the vault answered its probe, every waiting resource was retried.
        #expect(
            harness.log.contains("vault reachable again"), "the waiting resources were retried when the vault came back"
        )
        // Backoff: far below one call a second per resource.
        #expect(calls / seconds < Double(secrets * perSecret) / 4)
    }
}
