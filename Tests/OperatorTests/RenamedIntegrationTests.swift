import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// `userId` or `type` changed in place: the operator lets go of the vault secret the resource
/// wrote before, by its `deletionPolicy`, then writes the new one. Nothing is orphaned.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct RenamedIntegrationTests {
    @Test(arguments: [false, true])
    func theOldVaultSecretFollowsTheDeletionPolicy(retain: Bool) async throws {
        let harness = try await OperatorHarness()
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "renamed-value-4f2")
        try await harness.create("moving", userID: user, type: "weather", secretRef: ("creds", "k"), retain: retain)
        _ = try await harness.waitFor("moving") { $0.status?.state == .connected }

        _ = try await harness.kube.patch(
            UserIntegration.self, UserIntegration.resource, namespace: harness.namespace, name: "moving",
            patch: Data(#"{"spec":{"type":"alexa"}}"#.utf8))
        let moved = try await harness.waitFor("moving") {
            $0.status?.vaultSecretName == "user-\(user)-alexa" && $0.status?.state == .connected
        }
        #expect(moved.status?.maskedKey == "***4f2")
        let deletes = try await harness.vaultRequests("DELETE", "/secrets/user-\(user)-weather")
        #expect(deletes == (retain ? 0 : 1))
        let emulator = try TestEnvironment.emulator()
        let vault = try KeyVaultClient(
            config: ClientConfig(
                vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))))
        defer { vault.close() }
        if retain {
            #expect(try await vault.getSecret("user-\(user)-weather").value == "renamed-value-4f2")
        } else {
            let error = await #expect(throws: KeyVaultError.self) { try await vault.getSecret("user-\(user)-weather") }
            #expect(error?.code == .secretNotFound)
        }
        #expect(try await vault.getSecret("user-\(user)-alexa").value == "renamed-value-4f2")
    }
}
