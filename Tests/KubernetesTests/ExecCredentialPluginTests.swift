import Foundation
import Kubernetes
import TestEnvironment
import Testing

/// Kubeconfigs whose user is an exec credential plugin, as AKS kubeconfigs are (kubelogin), against
/// the real kube-apiserver; the plugin is scripts/test-exec-credential.
@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct ExecCredentialPluginTests {
    @Test(arguments: ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"])
    func aPluginsTokenAuthenticatesAndIsReusedUntilItExpires(apiVersion: String) async throws {
        let plugin = try ExecCredentialKubeconfig(
            tokens: [try TestEnvironment.kubernetes().adminToken], expiresIn: 3600)
        let client = try plugin.client(apiVersion: apiVersion)
        for _ in 0..<3 {
            _ = try await client.list(PartialObjectMetadata.self, .namespaces, namespace: nil, metadataOnly: true)
        }
        #expect(plugin.runs == 1)
    }

    @Test func anExpiredCredentialRunsThePluginAgain() async throws {
        let plugin = try ExecCredentialKubeconfig(tokens: [try TestEnvironment.kubernetes().adminToken], expiresIn: 1)
        let client = try plugin.client()
        _ = try await client.list(PartialObjectMetadata.self, .namespaces, namespace: nil, metadataOnly: true)
        // The credential says it expires in a second: once it has, the next request runs the plugin.
        try await Task.sleep(for: .milliseconds(1100))
        _ = try await client.list(PartialObjectMetadata.self, .namespaces, namespace: nil, metadataOnly: true)
        #expect(plugin.runs >= 2)
    }

    @Test func aRefusedTokenRunsThePluginAgainAndTheRequestSucceeds() async throws {
        let plugin = try ExecCredentialKubeconfig(tokens: [
            "a-token-the-server-refuses", try TestEnvironment.kubernetes().adminToken,
        ])
        let client = try plugin.client()
        _ = try await client.list(PartialObjectMetadata.self, .namespaces, namespace: nil, metadataOnly: true)
        #expect(plugin.runs == 2)
    }

    @Test func aPluginThatKeepsFailingIsAClearError() async throws {
        let failing = try ExecCredentialKubeconfig(
            tokens: ["x"], failure: "kubelogin: the refresh token has expired; run az login")
        let error = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(kubeconfig: failing.kubeconfig())
        }
        #expect(error?.message.contains("exited with status 3") == true)
        #expect(error?.message.contains("the refresh token has expired") == true)

        // A plugin that works once, then hands out tokens the server refuses: a 401, not a loop.
        let refused = try ExecCredentialKubeconfig(tokens: ["refused-1", "refused-2", "refused-3"])
        let client = try refused.client()
        let unauthorized = await #expect(throws: KubernetesError.self) {
            try await client.list(PartialObjectMetadata.self, .namespaces, namespace: nil, metadataOnly: true)
        }
        #expect(unauthorized?.code == 401)
        #expect(refused.runs == 2)
    }

    @Test func aPluginThatNeedsATerminalIsRefused() throws {
        let plugin = try ExecCredentialKubeconfig(tokens: ["x"])
        let error = #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(kubeconfig: plugin.kubeconfig(interactiveMode: "Always"))
        }
        #expect(error?.message.contains("interactive") == true)
        #expect(plugin.runs == 0)
    }
}

extension ExecCredentialKubeconfig {
    func client(apiVersion: String = "client.authentication.k8s.io/v1") throws -> KubernetesClient {
        try KubernetesClient(
            configuration: KubernetesConfiguration.load(kubeconfig: kubeconfig(apiVersion: apiVersion)))
    }
}
