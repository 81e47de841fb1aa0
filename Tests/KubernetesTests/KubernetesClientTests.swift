import Foundation
import HTTPTransport
import Kubernetes
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct KubernetesClientTests {
    @Test func configMapCreateGetUpdateDelete() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "crud")
        let created = try await client.create(
            ConfigMap(metadata: .init(name: "one", namespace: namespace), data: ["a": "1"]), .configMaps)
        #expect(created.metadata.uid != nil)
        var read = try await client.get(ConfigMap.self, .configMaps, namespace: namespace, name: "one")
        #expect(read.data == ["a": "1"])
        read.data = ["a": "2"]
        let updated = try await client.update(read, .configMaps)
        #expect(updated.data == ["a": "2"])
        #expect(updated.metadata.resourceVersion != created.metadata.resourceVersion)
        try await client.delete(.configMaps, namespace: namespace, name: "one")
        let gone = await #expect(throws: KubernetesError.self) {
            try await client.get(ConfigMap.self, .configMaps, namespace: namespace, name: "one")
        }
        #expect(gone?.isNotFound == true)
        _ = try await client.create(ConfigMap(metadata: .init(name: "two", namespace: namespace)), .configMaps)
        let exists = await #expect(throws: KubernetesError.self) {
            try await client.create(ConfigMap(metadata: .init(name: "two", namespace: namespace)), .configMaps)
        }
        #expect(exists?.isAlreadyExists == true)
    }

    @Test func writesAreNamedInManagedFieldsByTheUserAgent() async throws {
        var configuration = try KubernetesConfiguration.load(kubeconfig: TestEnvironment.kubernetes().kubeconfig)
        configuration.userAgent = "keyvault-operator-test/1.2.3"
        let client = try KubernetesClient(configuration: configuration)
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "agent")
        let created = try await client.create(
            json: Data(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"named"},"data":{"a":"1"}}"#.utf8),
            .configMaps, namespace: namespace)
        let metadata =
            (try JSONSerialization.jsonObject(with: created) as? [String: Any])?["metadata"] as? [String: Any]
        let managers = (metadata?["managedFields"] as? [[String: Any]])?.compactMap { $0["manager"] as? String }
        #expect(managers == ["keyvault-operator-test"])
    }

    @Test func aStreamedListFromTheWatchCacheHoldsWhatAPagedListHolds() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "streamed")
        for index in 0..<120 {
            // Values with JSON's awkward characters: the splitter must not cut inside them.
            _ = try await client.create(
                ConfigMap(
                    metadata: .init(name: "m\(index)", namespace: namespace), data: ["v": #"{"]}\"#, "i": "\(index)"]),
                .configMaps)
        }
        let paged = try await client.listAll(ConfigMap.self, .configMaps, namespace: namespace, pageSize: 50)
        var streamed: [ConfigMap] = []
        // The watch cache may trail the last create by a moment (longer on a loaded machine): read
        // until it has them all; the limit only keeps a cache that never catches up from hanging.
        var version = ""
        let deadline = ContinuousClock.now + .seconds(60)
        repeat {
            streamed = []
            version = try await client.streamList(ConfigMap.self, .configMaps, namespace: namespace) {
                streamed.append($0)
            }
            if streamed.count == paged.items.count { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        #expect(Set(streamed.map(\.metadata.name)) == Set(paged.items.map(\.metadata.name)))
        #expect(streamed.allSatisfy { $0.data?["v"] == #"{"]}\"# })
        #expect(Int(version) ?? 0 > 0)
        var metadata: [PartialObjectMetadata] = []
        _ = try await client.streamList(
            PartialObjectMetadata.self, .configMaps, namespace: namespace, metadataOnly: true
        ) { metadata.append($0) }
        #expect(metadata.count == paged.items.count)
        let missing = await #expect(throws: KubernetesError.self) {
            try await client.streamList(
                ConfigMap.self, ResourceType(group: "nope.example", version: "v1", plural: "nothings"),
                namespace: namespace
            ) { _ in }
        }
        #expect(missing?.isNotFound == true)
    }

    @Test func aReadAtASeenResourceVersionIsAtLeastThatRecent() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "seen")
        var object = try await client.create(
            ConfigMap(metadata: .init(name: "s", namespace: namespace), data: ["v": "0"]), .configMaps)
        // Each read at the version just written waits for the watch cache to hold it: never the one before.
        for round in 1...5 {
            object.data = ["v": "\(round)"]
            object = try await client.update(object, .configMaps)
            let read = try await client.get(
                ConfigMap.self, .configMaps, namespace: namespace, name: "s",
                resourceVersion: object.metadata.resourceVersion)
            #expect(read.data == ["v": "\(round)"])
            #expect(read.metadata.resourceVersion == object.metadata.resourceVersion)
        }
    }

    @Test func staleResourceVersionIsAConflict() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "conflict")
        let original = try await client.create(
            ConfigMap(metadata: .init(name: "c", namespace: namespace), data: ["v": "1"]), .configMaps)
        var first = original
        first.data = ["v": "2"]
        _ = try await client.update(first, .configMaps)
        var stale = original
        stale.data = ["v": "3"]
        let error = await #expect(throws: KubernetesError.self) { try await client.update(stale, .configMaps) }
        #expect(error?.code == 409)
        #expect(error?.isConflict == true)
    }

    @Test func mergeAndJSONPatches() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "patch")
        _ = try await client.create(
            ConfigMap(metadata: .init(name: "p", namespace: namespace), data: ["a": "1", "b": "2"]), .configMaps)
        let merged = try await client.patch(
            ConfigMap.self, .configMaps, namespace: namespace, name: "p",
            patch: Data(#"{"data":{"b":null,"c":"3"}}"#.utf8))
        #expect(merged.data == ["a": "1", "c": "3"])
        let patched = try await client.patch(
            ConfigMap.self, .configMaps, namespace: namespace, name: "p",
            patch: Data(
                #"[{"op":"replace","path":"/data/a","value":"10"},{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]"#
                    .utf8),
            patchType: .json)
        #expect(patched.data?["a"] == "10")
        #expect(patched.metadata.labels == ["x": "y"])
    }

    @Test func deletePreconditionOnUIDIsEnforced() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "precond")
        _ = try await client.create(ConfigMap(metadata: .init(name: "d", namespace: namespace)), .configMaps)
        let error = await #expect(throws: KubernetesError.self) {
            try await client.delete(.configMaps, namespace: namespace, name: "d", preconditionUID: "not-the-uid")
        }
        #expect(error?.code == 409)
        try await client.delete(.configMaps, namespace: namespace, name: "d", propagation: .background)
    }

    @Test func customResourceStatusSubresourceAndValidationCauses() async throws {
        let client = try KubernetesTestSupport.adminClient()
        try await KubernetesTestSupport.ensureWidgetCRD(client)
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "crd")
        let widgets = KubernetesTestSupport.widgets
        var widget = try await client.create(
            Widget(metadata: .init(name: "w", namespace: namespace), spec: .init(size: 3, color: "red")), widgets)
        #expect(widget.metadata.generation == 1)
        widget.status = .init(phase: "Ready")
        let withStatus = try await client.updateStatus(widget, widgets)
        #expect(withStatus.status?.phase == "Ready")
        #expect(withStatus.metadata.generation == 1)
        let patched = try await client.patch(
            Widget.self, widgets, namespace: namespace, name: "w", patch: Data(#"{"status":{"phase":"Done"}}"#.utf8),
            subresource: "status")
        #expect(patched.status?.phase == "Done")

        let invalid = await #expect(throws: KubernetesError.self) {
            try await client.create(
                Widget(metadata: .init(name: "bad", namespace: namespace), spec: .init(size: 99, color: "green")),
                widgets)
        }
        #expect(invalid?.code == 422)
        #expect(invalid?.reason == "Invalid")
        let fields = Set(invalid?.causes.compactMap(\.field) ?? [])
        #expect(fields.contains("spec.size"))
        #expect(fields.contains("spec.color"))
    }

    @Test func restrictedTokenIsAllowedOnlyWhereItsRoleIsBound() async throws {
        let admin = try KubernetesTestSupport.adminClient()
        let allowed = try await KubernetesTestSupport.namespace(admin, prefix: "rbac-allowed")
        let other = try await KubernetesTestSupport.namespace(admin, prefix: "rbac-other")
        let role: [String: Any] = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": ["name": "configmap-reader", "namespace": allowed],
            "rules": [["apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]]],
        ]
        let binding: [String: Any] = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": ["name": "tester-reads", "namespace": allowed],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "configmap-reader"],
            "subjects": [["kind": "ServiceAccount", "name": "tester", "namespace": "kvo-restricted"]],
        ]
        let roles = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "roles")
        let bindings = ResourceType(group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings")
        _ = try await admin.create(json: JSONSerialization.data(withJSONObject: role), roles, namespace: allowed)
        _ = try await admin.create(json: JSONSerialization.data(withJSONObject: binding), bindings, namespace: allowed)

        let environment = try TestEnvironment.kubernetes()
        let token = ProcessInfo.processInfo.environment["KVO_TEST_KUBE_RESTRICTED_TOKEN"] ?? ""
        let restricted = try KubernetesClient(
            configuration: .init(
                server: environment.url, tls: .init(trust: .file(environment.caFile)), authentication: .token(token)))
        _ = try await restricted.list(ConfigMap.self, .configMaps, namespace: allowed)
        let elsewhere = await #expect(throws: KubernetesError.self) {
            try await restricted.list(ConfigMap.self, .configMaps, namespace: other)
        }
        #expect(elsewhere?.isForbidden == true)
        #expect(elsewhere?.reason == "Forbidden")
        let write = await #expect(throws: KubernetesError.self) {
            try await restricted.create(ConfigMap(metadata: .init(name: "nope", namespace: allowed)), .configMaps)
        }
        #expect(write?.isForbidden == true)
    }

    @Test func pagingListsEveryObject() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "paging")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for index in stride(from: worker, to: 1200, by: 16) {
                        _ = try await client.create(
                            ConfigMap(metadata: .init(name: "cm-\(index)", namespace: namespace)), .configMaps)
                    }
                }
            }
            try await group.waitForAll()
        }
        let first = try await client.list(ConfigMap.self, .configMaps, namespace: namespace, limit: 500)
        #expect(first.items.count == 500)
        #expect(first.metadata.continue?.isEmpty == false)
        let (all, resourceVersion) = try await client.listAll(
            ConfigMap.self, .configMaps, namespace: namespace, pageSize: 500)
        #expect(all.count == 1200)
        #expect(Set(all.compactMap(\.metadata.name)).count == 1200)
        #expect(!resourceVersion.isEmpty)
    }

    @Test func labelSelectorsFilter() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "labels")
        _ = try await client.create(
            ConfigMap(metadata: .init(name: "x", namespace: namespace, labels: ["app": "x"])), .configMaps)
        _ = try await client.create(
            ConfigMap(metadata: .init(name: "y", namespace: namespace, labels: ["app": "y"])), .configMaps)
        let selected = try await client.list(ConfigMap.self, .configMaps, namespace: namespace, labelSelector: "app=y")
        #expect(selected.items.compactMap(\.metadata.name) == ["y"])
        let byField = try await client.list(
            ConfigMap.self, .configMaps, namespace: namespace, fieldSelector: "metadata.name=x")
        #expect(byField.items.compactMap(\.metadata.name) == ["x"])
    }
}
