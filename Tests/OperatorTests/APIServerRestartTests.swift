import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator's kube-apiserver restarted while resources and Secrets change: its watches resume
/// (relisting after the 410 a restarted server's fresh watch cache answers), and every change made
/// during the outage is reconciled.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct APIServerRestartTests {
    @Test func changesMadeWhileTheAPIServerWasDownAreAllReconciled() async throws {
        let server = try PrivateAPIServer()
        try await server.start()
        defer { server.sendKill() }
        let harness = try await OperatorHarness(kubeconfig: try server.kubeconfig())
        let user = OperatorEndToEndTests.user()
        for index in 0..<5 {
            try await harness.createSecret("creds-\(index)", key: "k", value: "before-\(index)-aaa")
            try await harness.create(
                "r-\(index)", userID: "\(user)-\(index)", type: "weather", secretRef: ("creds-\(index)", "k"))
        }
        for index in 0..<5 { _ = try await harness.waitFor("r-\(index)") { $0.status?.state == .connected } }

        await server.kill()
        // Through the shared API server (same etcd): rotate, add, delete.
        for index in 0..<3 {
            _ = try await harness.kube.patch(
                KubernetesSecret.self, .secrets, namespace: harness.namespace, name: "creds-\(index)",
                patch: Data(#"{"stringData":{"k":"after-\#(index)-bbb"}}"#.utf8))
        }
        try await harness.createSecret("creds-new", key: "k", value: "new-value-ccc")
        try await harness.create("r-new", userID: "\(user)-new", type: "alexa", secretRef: ("creds-new", "k"))
        try await harness.kube.delete(UserIntegration.resource, namespace: harness.namespace, name: "r-4")
        // Enough writes elsewhere that the restarted server's watch cache starts past the operator's version.
        for index in 0..<20 {
            _ = try await harness.kube.create(
                ConfigMap(metadata: .init(name: "noise-\(index)", namespace: harness.namespace)), .configMaps)
        }
        try await Task.sleep(for: .seconds(1))
        try await server.start()
        let restarted = ContinuousClock.now

        for index in 0..<3 {
            _ = try await harness.waitFor("r-\(index)", timeout: .seconds(60)) { $0.status?.maskedKey == "***bbb" }
        }
        _ = try await harness.waitFor("r-new", timeout: .seconds(60)) { $0.status?.state == .connected }
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await harness.get("r-4")) != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect((try? await harness.get("r-4")) == nil, "the deletion was finalized")
        print(
            "kube-apiserver restart: every change made during the outage reconciled \(ContinuousClock.now - restarted) after the server served again"
        )
        for index in 0..<3 {
            #expect(try await harness.vault.getSecret("user-\(user)-\(index)-weather").value == "after-\(index)-bbb")
        }
        #expect(
            harness.log.contains("relist") || harness.log.contains("410") || harness.log.contains("Gone"),
            "the informers relisted")
    }
}
