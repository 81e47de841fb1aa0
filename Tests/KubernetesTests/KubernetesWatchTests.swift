import Foundation
import Kubernetes
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct KubernetesWatchTests {
    @Test func watchSeesCreateUpdateDeleteInOrder() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "watch")
        let (_, resourceVersion) = try await client.listAll(ConfigMap.self, .configMaps, namespace: namespace)
        let stream = try await client.watch(
            ConfigMap.self, .configMaps, namespace: namespace, resourceVersion: resourceVersion, timeoutSeconds: 120)
        var created = try await client.create(
            ConfigMap(metadata: .init(name: "w", namespace: namespace), data: ["v": "1"]), .configMaps)
        created.data = ["v": "2"]
        _ = try await client.update(created, .configMaps)
        try await client.delete(.configMaps, namespace: namespace, name: "w")

        var seen: [String] = []
        for try await event in stream {
            switch event {
            case .added(let object): seen.append("ADDED \(object.data?["v"] ?? "")")
            case .modified(let object): seen.append("MODIFIED \(object.data?["v"] ?? "")")
            case .deleted: seen.append("DELETED")
            case .bookmark: continue
            case .error(let error): Issue.record("watch error \(error)")
            }
            if seen.count == 3 { break }
        }
        #expect(seen == ["ADDED 1", "MODIFIED 2", "DELETED"])
    }

    @Test func aResourceVersionOlderThanTheWatchCacheIsGone() async throws {
        let admin = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(admin, prefix: "gone")
        let (_, old) = try await admin.listAll(ConfigMap.self, .configMaps, namespace: namespace)
        _ = try await admin.create(ConfigMap(metadata: .init(name: "later", namespace: namespace)), .configMaps)
        // A freshly started server's watch cache begins after `old`.
        let server = try PrivateAPIServer()
        try await server.start()
        defer { server.sendKill() }
        let client = try server.client()
        do {
            let stream = try await client.watch(
                ConfigMap.self, .configMaps, namespace: namespace, resourceVersion: old, timeoutSeconds: 120)
            var events: [String] = []
            for try await event in stream {
                if case .error(let error) = event {
                    #expect(error.isGone)
                    return
                }
                events.append("\(event)")
            }
            Issue.record("the watch ended without reporting Gone; events: \(events)")
        } catch let error as KubernetesError {
            #expect(error.isGone)
        }
    }

    @Test func bookmarksArriveBeforeTheServerEndsTheWatch() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "bookmark")
        let (_, version) = try await client.listAll(ConfigMap.self, .configMaps, namespace: namespace)
        let stream = try await client.watch(
            ConfigMap.self, .configMaps, namespace: namespace, resourceVersion: version, timeoutSeconds: 4)
        var bookmarks: [String] = []
        for try await event in stream {
            if case .bookmark(let resourceVersion) = event { bookmarks.append(resourceVersion) }
        }
        #expect(!bookmarks.isEmpty)
        #expect(bookmarks.allSatisfy { !$0.isEmpty })
    }
}
