public import Kubernetes
import YAML

extension KubernetesClient {
    /// Creates the UserIntegration CRD (the one in `crds/`) unless it exists, then waits until the
    /// API server serves the resource. For tests, benchmarks and local set-ups; clusters get the
    /// CRD from the chart or `kubectl apply`.
    public func installUserIntegrationCRD(timeout: Duration = .seconds(10)) async throws {
        let file = "crds/userintegrations.integrations.keyvault.dev.yaml"
        let json = try YAMLParser.parse(ManifestValidator.crdYAML, file: file).jsonData(file: file)
        do {
            _ = try await create(json: json, .customResourceDefinitions)
        } catch let error as KubernetesError where error.isAlreadyExists {}
        let deadline = ContinuousClock.now + timeout
        while (try? await list(UserIntegration.self, UserIntegration.resource, namespace: "default", limit: 1)) == nil {
            guard ContinuousClock.now < deadline else {
                throw KubernetesError(
                    code: 0, reason: "Timeout",
                    message: "the API server did not serve \(UserIntegration.resource.plural) within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
