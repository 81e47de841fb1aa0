import Foundation
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator against a vault whose deletes and recovers complete seconds later, as real Key
/// Vault's do (the emulator's `--soft-delete-delay 3s --soft-delete-tail 1s`).
@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)))
struct SoftDeleteDelayOperatorTests {
    @Test func aResourceDeletedAndRecreatedAtOnceConvergesToTheNewValue() async throws {
        let vault = try PrivateEmulator(
            name: "slow-vault", arguments: ["--soft-delete-delay", "3s", "--soft-delete-tail", "1s"])
        try await vault.start()
        let harness = try await OperatorHarness(environment: vault.environment)
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("first", key: "k", value: "first-value-1a1")
        try await harness.create("weather", userID: user, type: "weather", secretRef: ("first", "k"))
        _ = try await harness.waitFor("weather") { $0.status?.maskedKey == "***1a1" }

        // Deleted (policy Delete: the vault secret is deleted), then created again at once.
        try await harness.kube.delete(UserIntegration.resource, namespace: harness.namespace, name: "weather")
        let deadline = ContinuousClock.now + .seconds(120)
        while (try? await harness.get("weather")) != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        try await harness.createSecret("second", key: "k", value: "second-value-2b2")
        try await harness.create("weather", userID: user, type: "weather", secretRef: ("second", "k"))
        // Through 409 ObjectIsBeingDeleted, the soft-deleted name, its recovery and 409
        // ObjectIsBeingRecovered, the new resource ends connected with the new value.
        let converged = try await harness.waitFor("weather") {
            $0.status?.state == .connected && $0.status?.maskedKey == "***2b2"
        }
        #expect(converged.status?.conditions?.first { $0.type == "Ready" }?.status == .true)
    }
}
