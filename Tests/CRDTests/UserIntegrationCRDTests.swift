import Foundation
import HTTPTransport
import Kubernetes
import TestEnvironment
import Testing
import YAML

/// The UserIntegration CRD of `crds/`, applied to the real kube-apiserver: the schema's rules,
/// defaults, printer columns and names are what users see.
@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct UserIntegrationCRDTests {
    static let resource = ResourceType(
        group: "integrations.keyvault.dev", version: "v1alpha1", plural: "userintegrations")

    static func crdPath() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("crds/userintegrations.integrations.keyvault.dev.yaml").path
    }

    static func client() throws -> KubernetesClient {
        try KubernetesClient(
            configuration: KubernetesConfiguration.load(kubeconfig: TestEnvironment.kubernetes().kubeconfig))
    }

    /// Applies the CRD (create, or replace when it exists) and waits until it serves.
    static func install(_ client: KubernetesClient) async throws {
        let text = try String(contentsOfFile: crdPath(), encoding: .utf8)
        let json = try YAMLParser.parse(text, file: crdPath()).jsonData(file: crdPath())
        do {
            _ = try await client.create(json: json, .customResourceDefinitions)
        } catch let error as KubernetesError where error.isAlreadyExists {
            _ = try await client.patch(
                PartialObjectMetadata.self, .customResourceDefinitions, namespace: nil,
                name: "userintegrations.integrations.keyvault.dev",
                patch: json, patchType: .merge)
        }
        // Until the server serves it; the limit only keeps a broken server from hanging the tests.
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? await client.list(PartialObjectMetadata.self, resource, namespace: "default", limit: 1)) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    static func namespace(_ client: KubernetesClient) async throws -> String {
        let name = "crd-\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await client.create(
            json: Data(#"{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"\#(name)"}}"#.utf8), .namespaces)
        return name
    }

    static func manifest(_ name: String, spec: String) -> Data {
        Data(
            #"{"apiVersion":"integrations.keyvault.dev/v1alpha1","kind":"UserIntegration","metadata":{"name":"\#(name)"},"spec":\#(spec)}"#
                .utf8)
    }

    @Test func validResourceIsAcceptedWithTheDeletionPolicyDefaulted() async throws {
        let client = try Self.client()
        try await Self.install(client)
        let namespace = try await Self.namespace(client)
        let created = try await client.create(
            json: Self.manifest(
                "user-123-weather",
                spec:
                    #"{"userId":"user-123","type":"weather","secretRef":{"name":"user-123-weather","key":"apiKey"},"expiresAt":"2026-12-28T00:00:00Z"}"#
            ),
            Self.resource, namespace: namespace)
        let object = try JSONSerialization.jsonObject(with: created) as? [String: Any]
        let spec = object?["spec"] as? [String: Any]
        #expect(spec?["deletionPolicy"] as? String == "Delete")
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let spec: String
        let field: String
        var testDescription: String { field }
    }

    @Test(arguments: [
        Invalid(spec: #"{"userId":"User_123","type":"weather"}"#, field: "spec.userId"),
        Invalid(spec: #"{"userId":"-user","type":"weather"}"#, field: "spec.userId"),
        Invalid(spec: #"{"userId":"user-1","type":"fax"}"#, field: "spec.type"),
        Invalid(spec: #"{"type":"weather"}"#, field: "spec.userId"),
        Invalid(spec: #"{"userId":"user-1","type":"alexa","expiresAt":"next week"}"#, field: "spec.expiresAt"),
        Invalid(spec: #"{"userId":"user-1","type":"alexa","deletionPolicy":"Keep"}"#, field: "spec.deletionPolicy"),
        Invalid(spec: #"{"userId":"user-1","type":"alexa","secretRef":{"name":"s"}}"#, field: "spec.secretRef.key"),
        Invalid(
            spec: #"{"userId":"user-1","type":"alexa","secretRef":{"name":"Bad_Name","key":"k"}}"#,
            field: "spec.secretRef.name"),
    ])
    func invalidResourcesAreRejectedNamingTheField(_ invalid: Invalid) async throws {
        let client = try Self.client()
        try await Self.install(client)
        let error = await #expect(throws: KubernetesError.self) {
            try await client.create(json: Self.manifest("bad", spec: invalid.spec), Self.resource, namespace: "default")
        }
        #expect(error?.code == 422)
        #expect(error?.causes.contains { $0.field == invalid.field } == true, "\(error?.description ?? "")")
    }

    @Test func printerColumnsAndNamesAreTheContract() async throws {
        let client = try Self.client()
        try await Self.install(client)
        let environment = try TestEnvironment.kubernetes()
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(environment.caFile))))
        var headers: HTTPHeaders = ["Authorization": "Bearer \(environment.adminToken)"]
        headers.add(name: "Accept", value: "application/json;as=Table;v=v1;g=meta.k8s.io")
        let table = try await http.execute(
            HTTPRequest(
                url: environment.url + "/apis/integrations.keyvault.dev/v1alpha1/userintegrations", headers: headers))
        let definitions =
            (try JSONSerialization.jsonObject(with: table.body) as? [String: Any])?["columnDefinitions"]
            as? [[String: Any]] ?? []
        let columns = definitions.compactMap { $0["name"] as? String }
        #expect(columns == ["Name", "User", "Type", "Status", "Key", "Expires", "Ready", "Reason", "Age"])
        // REASON (the Ready condition's reason) only with `kubectl get -o wide`.
        let wideOnly = definitions.filter { ($0["priority"] as? Int ?? 0) > 0 }.compactMap { $0["name"] as? String }
        #expect(wideOnly == ["Reason"])

        let discovery = try await http.execute(
            HTTPRequest(
                url: environment.url + "/apis/integrations.keyvault.dev/v1alpha1",
                headers: ["Authorization": "Bearer \(environment.adminToken)"]))
        let resources =
            (try JSONSerialization.jsonObject(with: discovery.body) as? [String: Any])?["resources"] as? [[String: Any]]
        let main = resources?.first { $0["name"] as? String == "userintegrations" }
        #expect(main?["shortNames"] as? [String] == ["ui"])
        #expect(main?["categories"] as? [String] == ["keyvault"])
        #expect(main?["namespaced"] as? Bool == true)
        #expect(resources?.contains { $0["name"] as? String == "userintegrations/status" } == true)
    }

    @Test func statusIsWrittenThroughTheSubresourceWithConditions() async throws {
        let client = try Self.client()
        try await Self.install(client)
        let namespace = try await Self.namespace(client)
        _ = try await client.create(
            json: Self.manifest("s", spec: #"{"userId":"u1","type":"ifttt"}"#), Self.resource, namespace: namespace)
        let status =
            #"{"status":{"state":"connected","maskedKey":"***4f2","observedGeneration":1,"conditions":[{"type":"Ready","status":"True","reason":"Synced","message":"in Key Vault","lastTransitionTime":"2026-11-29T00:00:00Z","observedGeneration":1}]}}"#
        let patched = try await client.patch(
            PartialObjectMetadata.self, Self.resource, namespace: namespace, name: "s", patch: Data(status.utf8),
            subresource: "status")
        #expect(patched.metadata.generation == 1)
        let bad = #"{"status":{"state":"happy"}}"#
        let error = await #expect(throws: KubernetesError.self) {
            try await client.patch(
                PartialObjectMetadata.self, Self.resource, namespace: namespace, name: "s", patch: Data(bad.utf8),
                subresource: "status")
        }
        #expect(error?.code == 422)
    }
}
