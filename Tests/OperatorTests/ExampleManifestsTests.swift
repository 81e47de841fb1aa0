import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler
import YAML

/// The manifests users start from (`deploy/examples/`) do what their comments say against the
/// real servers, in a namespace of the test's own and with user IDs of its own.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct ExampleManifestsTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
        .appendingPathComponent("deploy/examples")

    /// Every document of a manifest file, moved to `namespace`, with user IDs given `userPrefix`.
    static func documents(_ file: URL, namespace: String, userPrefix: String) throws -> [[String: Any]] {
        try YAMLParser.parseDocuments(try String(contentsOf: file, encoding: .utf8), file: file.path).compactMap {
            node in
            guard var object = try node.jsonValue(file: file.path) as? [String: Any] else { return nil }
            var metadata = object["metadata"] as? [String: Any] ?? [:]
            metadata["namespace"] = namespace
            object["metadata"] = metadata
            if var spec = object["spec"] as? [String: Any], let user = spec["userId"] as? String {
                spec["userId"] = userPrefix + user
                object["spec"] = spec
            }
            return object
        }
    }

    static func create(_ object: [String: Any], in harness: OperatorHarness) async throws {
        let resource: ResourceType = object["kind"] as? String == "Secret" ? .secrets : UserIntegration.resource
        _ = try await harness.kube.create(
            json: try JSONSerialization.data(withJSONObject: object), resource, namespace: harness.namespace)
    }

    @Test func theExamplesReachTheStatesTheirCommentsDescribe() async throws {
        let harness = try await OperatorHarness()
        let prefix = "\(UUID().uuidString.prefix(6).lowercased())-"
        // The manifests, not the kustomization that lists them for `kubectl apply -k`.
        let files = try FileManager.default.contentsOfDirectory(at: Self.examples, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "yaml" && $0.lastPathComponent != "kustomization.yaml" }
        for file in files.sorted(by: { $0.path < $1.path }) {
            for object in try Self.documents(file, namespace: harness.namespace, userPrefix: prefix)
            where object["kind"] as? String != "Namespace" {
                try await Self.create(object, in: harness)
            }
        }
        let expected = [
            "user-123-weather": "connected", "user-123-alexa": "connected", "user-123-ifttt": "connected",
            "user-123-energy-provider": "connected", "user-123-mqtt-broker": "connected",
            "user-123-smartthings": "expired",
            "user-123-google-home": "not_configured", "user-123-sms-notification": "not_configured",
            "user-456-alexa": "not_configured",
        ]
        for (name, state) in expected {
            let resource = try await harness.waitFor(name) { $0.status?.state != nil }
            #expect(resource.status?.state?.rawValue == state, "\(name)")
        }
        let expired = try await harness.get("user-123-smartthings")
        #expect(expired.status?.conditions?.first { $0.type == "Expired" }?.status == .true)
        #expect(
            try await harness.vault.getSecret("user-\(prefix)user-123-ifttt").value.hasPrefix(
                "https://maker.ifttt.com/"))
    }

    @Test func theInvalidExampleIsRejectedWithItsFieldsNamed() async throws {
        let harness = try await OperatorHarness()
        let file = Self.examples.appendingPathComponent("invalid/unknown-type.yaml")
        let object = try #require(try Self.documents(file, namespace: harness.namespace, userPrefix: "").first)
        let error = await #expect(throws: KubernetesError.self) { try await Self.create(object, in: harness) }
        #expect(error?.code == 422)
        #expect(error?.message.contains("spec.type") == true)
        #expect(error?.message.contains("spec.userId") == true)
    }
}
