import BenchmarkSupport
import Foundation
import KeyVault
import Kubernetes
import UserIntegrationReconciler

/// The resources a benchmark applies: namespaces, Secrets and UserIntegrations, one or in bulk.
struct Fixtures: Sendable {
    let kube: KubernetesClient
    /// Keeps this run's user IDs apart from earlier runs' (the vault persists).
    let users = "b\(UUID().uuidString.prefix(6).lowercased())"

    func namespace(_ prefix: String) async throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await kube.create(
            json: JSONSerialization.data(withJSONObject: [
                "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": name],
            ]), .namespaces)
        return name
    }

    func createSecret(_ namespace: String, _ name: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": name, "namespace": namespace],
            "stringData": ["apiKey": "bench-value-\(name)"],
        ])
        _ = try await kube.create(json: body, .secrets, namespace: namespace)
    }

    /// A weather integration of user `<run>-<name>` whose value is in Secret `secret`
    /// (`deletionPolicy: Retain` when `retain`, else the default, `Delete`).
    func createIntegration(_ namespace: String, _ name: String, secret: String, retain: Bool = false) async throws {
        let spec = UserIntegration.Spec(
            userId: "\(users)-\(namespace)-\(name)", type: "weather", secretRef: .init(name: secret, key: "apiKey"),
            deletionPolicy: retain ? .retain : nil)
        _ = try await kube.create(
            UserIntegration(metadata: .init(name: name, namespace: namespace), spec: spec), UserIntegration.resource)
    }

    /// The vault secret the operator keeps for integration `name` of `namespace`.
    func vaultSecret(of name: String, in namespace: String) -> String {
        IntegrationKey(userID: "\(users)-\(namespace)-\(name)", type: .weather).secretName
    }

    /// Integrations `names`, each with a Secret of its own name; returns the seconds the creates took.
    func createIntegrationsWithSecrets(
        _ namespace: String, _ names: [String], retain: Bool = false
    ) async throws
        -> Double
    {
        let started = ContinuousClock.now
        try await Bench.parallel(names.count, workers: 32) { try await createSecret(namespace, names[$0]) }
        try await Bench.parallel(names.count, workers: 32) {
            try await createIntegration(namespace, names[$0], secret: names[$0], retain: retain)
        }
        return Bench.seconds(since: started)
    }
}
