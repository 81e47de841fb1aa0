import Foundation
import Kubernetes
import TestEnvironment

enum KubernetesTestSupport {
    /// A client for the test kube-apiserver as the admin, from the kubeconfig test-env wrote.
    static func adminClient() throws -> KubernetesClient {
        try KubernetesClient(
            configuration: KubernetesConfiguration.load(kubeconfig: TestEnvironment.kubernetes().kubeconfig))
    }

    /// A namespace of a test's own.
    static func namespace(_ client: KubernetesClient, prefix: String) async throws -> String {
        let name = "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
        struct Namespace: KubernetesObject { var apiVersion = "v1"; var kind = "Namespace"; var metadata: ObjectMeta }
        _ = try await client.create(Namespace(metadata: ObjectMeta(name: name)), .namespaces)
        return name
    }

    /// A test CRD with a status subresource and a validated spec (created once per server).
    static let widgets = ResourceType(group: "testing.keyvault.dev", version: "v1", plural: "widgets")

    static func ensureWidgetCRD(_ client: KubernetesClient) async throws {
        let crd: [String: Any] = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "widgets.testing.keyvault.dev"],
            "spec": [
                "group": "testing.keyvault.dev", "scope": "Namespaced",
                "names": ["plural": "widgets", "singular": "widget", "kind": "Widget"],
                "versions": [
                    [
                        "name": "v1", "served": true, "storage": true, "subresources": ["status": [String: Any]()],
                        "schema": [
                            "openAPIV3Schema": [
                                "type": "object",
                                "properties": [
                                    "spec": [
                                        "type": "object", "required": ["size"],
                                        "properties": [
                                            "size": ["type": "integer", "minimum": 1, "maximum": 10],
                                            "color": ["type": "string", "enum": ["red", "blue"]],
                                        ],
                                    ],
                                    "status": ["type": "object", "properties": ["phase": ["type": "string"]]],
                                ],
                            ]
                        ],
                    ]
                ],
            ],
        ]
        do {
            _ = try await client.create(json: JSONSerialization.data(withJSONObject: crd), .customResourceDefinitions)
        } catch let error as KubernetesError where error.isAlreadyExists {}
        // Until the server serves it; the limit only keeps a broken server from hanging the tests.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? await client.list(Widget.self, widgets, namespace: "default", limit: 1)) != nil { return }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

struct Widget: KubernetesObject, Hashable {
    struct Spec: Codable, Hashable { var size: Int; var color: String? }
    struct Status: Codable, Hashable { var phase: String? }
    var apiVersion: String? = "testing.keyvault.dev/v1"
    var kind: String? = "Widget"
    var metadata: ObjectMeta
    var spec: Spec
    var status: Status?
}
