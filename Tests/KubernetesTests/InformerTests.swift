import Foundation
import HTTPTransport
import Kubernetes
import Synchronization
import TestEnvironment
import Testing

/// Records what an informer's handler was told.
final class ChangeLog: Sendable {
    private let entries = Mutex<[String]>([])
    var all: [String] { entries.withLock { $0 } }

    func record(_ change: Informer<ConfigMap>.Change) {
        let text: String
        switch change {
        case .added(let object): text = "added \(object.metadata.name ?? "")=\(object.data?["v"] ?? "")"
        case .updated(_, let new): text = "updated \(new.metadata.name ?? "")=\(new.data?["v"] ?? "")"
        case .deleted(let object): text = "deleted \(object.metadata.name ?? "")"
        case .resync: return
        }
        entries.withLock { $0.append(text) }
    }
}

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct InformerTests {
    @Test func syncsThenFollowsChangesInOrderWithIndexes() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "informer")
        _ = try await client.create(
            ConfigMap(metadata: .init(name: "before", namespace: namespace, labels: ["team": "a"]), data: ["v": "0"]),
            .configMaps)
        let informer = Informer<ConfigMap>(
            client: client, resource: .configMaps, namespace: namespace,
            indexers: ["team": { [$0.metadata.labels?["team"] ?? ""] }])
        let log = ChangeLog()
        informer.addHandler(log.record)
        let running = Task { try await informer.run() }
        defer { running.cancel() }
        #expect(try await eventually { informer.hasSynced })

        var object = try await client.create(
            ConfigMap(metadata: .init(name: "x", namespace: namespace, labels: ["team": "b"]), data: ["v": "1"]),
            .configMaps)
        object.data = ["v": "2"]
        _ = try await client.update(object, .configMaps)
        try await client.delete(.configMaps, namespace: namespace, name: "before")
        #expect(try await eventually { log.all.count == 4 })
        #expect(log.all == ["added before=0", "added x=1", "updated x=2", "deleted before"])
        #expect(informer.byIndex("team", "b").compactMap(\.metadata.name) == ["x"])
        #expect(informer.byIndex("team", "a").isEmpty)
        let fresh = try await client.listAll(ConfigMap.self, .configMaps, namespace: namespace).items
        #expect(
            Set(informer.list().compactMap(\.metadata.resourceVersion))
                == Set(fresh.compactMap(\.metadata.resourceVersion)))
    }

    @Test func resyncRedeliversCachedObjects() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "resync")
        _ = try await client.create(ConfigMap(metadata: .init(name: "r", namespace: namespace)), .configMaps)
        let informer = Informer<ConfigMap>(
            client: client, resource: .configMaps, namespace: namespace, resyncPeriod: .milliseconds(200))
        let resyncs = Mutex(0)
        informer.addHandler { change in
            if case .resync(let object) = change, object.metadata.name == "r" { resyncs.withLock { $0 += 1 } }
        }
        let running = Task { try await informer.run() }
        defer { running.cancel() }
        #expect(try await eventually { resyncs.withLock { $0 } >= 2 })
    }

    @Test func restartedAPIServerMeansRelistAndNothingLost() async throws {
        let admin = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(admin, prefix: "restart")
        for index in 0..<5 {
            _ = try await admin.create(
                ConfigMap(metadata: .init(name: "keep-\(index)", namespace: namespace), data: ["v": "0"]), .configMaps)
        }
        let server = try PrivateAPIServer()
        try await server.start()
        let client = try server.client()
        let informer = Informer<ConfigMap>(client: client, resource: .configMaps, namespace: namespace)
        let log = ChangeLog()
        informer.addHandler(log.record)
        let running = Task { try await informer.run() }
        defer { running.cancel() }
        #expect(try await eventually { informer.hasSynced && informer.list().count == 5 })

        await server.kill()
        // Changes while the informer's server is down, made through the shared server.
        try await admin.delete(.configMaps, namespace: namespace, name: "keep-0")
        var changed = try await admin.get(ConfigMap.self, .configMaps, namespace: namespace, name: "keep-1")
        changed.data = ["v": "changed"]
        _ = try await admin.update(changed, .configMaps)
        _ = try await admin.create(
            ConfigMap(metadata: .init(name: "new", namespace: namespace), data: ["v": "n"]), .configMaps)
        // Enough other writes that the restarted server's watch cache starts past the informer's version.
        for index in 0..<20 {
            _ = try await admin.create(
                ConfigMap(metadata: .init(name: "noise-\(index)", namespace: "default")), .configMaps)
            try await admin.delete(.configMaps, namespace: "default", name: "noise-\(index)")
        }
        try await server.start()

        let fresh = try await admin.listAll(ConfigMap.self, .configMaps, namespace: namespace).items
        let expected = Set(fresh.compactMap(\.metadata.resourceVersion))
        #expect(
            try await eventually(timeout: .seconds(120)) {
                Set(informer.list().compactMap(\.metadata.resourceVersion)) == expected
            })
        #expect(log.all.contains("deleted keep-0"))
        #expect(log.all.contains("updated keep-1=changed"))
        #expect(log.all.contains("added new=n"))
        #expect(
            informer.relists >= 2,
            "the restarted server's fresh watch cache answers 410: the informer must have relisted")
    }
}
