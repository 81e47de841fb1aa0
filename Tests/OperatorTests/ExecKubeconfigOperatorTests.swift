import Foundation
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator run from a kubeconfig whose user is an exec credential plugin, as with an AKS
/// kubeconfig (kubelogin), its token expiring while the operator runs.
@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)))
struct ExecKubeconfigOperatorTests {
    @Test func theOperatorRunsFromAnExecPluginKubeconfig() async throws {
        let plugin = try ExecCredentialKubeconfig(tokens: [try TestEnvironment.kubernetes().adminToken], expiresIn: 2)
        let harness = try await OperatorHarness(kubeconfig: try plugin.kubeconfig())
        try await harness.createSecret("creds", key: "k", value: "exec-plugin-2b9")
        try await harness.create(
            "weather", userID: OperatorEndToEndTests.user(), type: "weather", secretRef: ("creds", "k"))
        let reconciled = try await harness.waitFor("weather") { $0.status?.state == .connected }
        #expect(reconciled.status?.maskedKey == "***2b9")
        // Past the credential's expiry the operator runs the plugin again and goes on writing.
        let runs = plugin.runs
        try await Task.sleep(for: .milliseconds(2100))
        try await harness.createSecret("later", key: "k", value: "after-expiry-8d3")
        try await harness.create(
            "alexa", userID: OperatorEndToEndTests.user(), type: "alexa", secretRef: ("later", "k"))
        let later = try await harness.waitFor("alexa") { $0.status?.state == .connected }
        #expect(later.status?.maskedKey == "***8d3")
        #expect(plugin.runs > runs)
    }
}
