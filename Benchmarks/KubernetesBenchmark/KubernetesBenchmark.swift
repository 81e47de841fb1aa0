import BenchmarkSupport
import Foundation
import Kubernetes
import Synchronization

/// Informer initial sync of many custom objects (time, peak RSS) and watch throughput while they
/// are updated, against the real kube-apiserver of scripts/test-env. Run by scripts/bench-kubernetes.
@main
struct KubernetesBenchmark {
    struct BenchObject: KubernetesObject {
        var apiVersion: String? = "bench.keyvault.dev/v1"
        var kind: String? = "BenchObject"
        var metadata: ObjectMeta
        var spec: [String: String]?
    }

    static let resource = ResourceType(group: "bench.keyvault.dev", version: "v1", plural: "benchobjects")

    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["KVO_BENCH_OBJECTS"] ?? "") ?? 10_000
        let updates = Int(environment["KVO_BENCH_UPDATES"] ?? "") ?? 5_000
        let client = try KubernetesClient(
            configuration: KubernetesConfiguration.load(kubeconfig: environment["KVO_TEST_KUBECONFIG"]))
        try await ensureCRD(client)
        let namespace = "bench-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await client.create(
            json: JSONSerialization.data(withJSONObject: [
                "apiVersion": "v1", "kind": "Namespace", "metadata": ["name": namespace],
            ]), .namespaces)

        var started = ContinuousClock.now
        try await Bench.parallel(count, workers: 16) { index in
            _ = try await client.create(
                BenchObject(
                    metadata: .init(name: "object-\(index)", namespace: namespace),
                    spec: ["user": "user-\(index)", "type": "weather"]), resource)
        }
        let createSeconds = Bench.seconds(since: started)
        print(
            String(
                format:
                    "create %d objects (16 workers):          %6.1f s  (%4.0f objects/s, the API server's write floor)",
                count, createSeconds, Double(count) / createSeconds))

        let rssBefore = Bench.statusKiB("VmRSS")
        let informer = Informer<BenchObject>(client: client, resource: resource, namespace: namespace)
        let updated = Mutex(0)
        informer.addHandler { change in
            if case .updated = change { updated.withLock { $0 += 1 } }
        }
        started = ContinuousClock.now
        let running = Task { try await informer.run() }
        while !informer.hasSynced { try await Task.sleep(for: .milliseconds(5)) }
        let syncSeconds = Bench.seconds(since: started)
        let rssAfter = Bench.statusKiB("VmRSS")
        print(
            String(
                format: "informer initial sync of %d objects:       %6.2f s  (RSS %d → %d MiB, peak %d MiB)",
                informer.list().count, syncSeconds, rssBefore / 1024, rssAfter / 1024, Bench.statusKiB("VmHWM") / 1024))

        started = ContinuousClock.now
        try await Bench.parallel(updates, workers: 16) { index in
            _ = try await client.patch(
                BenchObject.self, resource, namespace: namespace, name: "object-\(index)",
                patch: Data(#"{"spec":{"rev":"2"}}"#.utf8))
        }
        let writeSeconds = Bench.seconds(since: started)
        while updated.withLock({ $0 }) < updates { try await Task.sleep(for: .milliseconds(5)) }
        let observeSeconds = Bench.seconds(since: started)
        print(
            String(
                format:
                    "%d updates written:                        %6.2f s  (%4.0f/s); all seen by the informer after %.2f s (%4.0f events/s decoded)",
                updates, writeSeconds, Double(updates) / writeSeconds, observeSeconds, Double(updates) / observeSeconds)
        )
        running.cancel()
        try await client.delete(.namespaces, namespace: nil, name: namespace)
    }

    static func ensureCRD(_ client: KubernetesClient) async throws {
        let crd: [String: Any] = [
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": ["name": "benchobjects.bench.keyvault.dev"],
            "spec": [
                "group": "bench.keyvault.dev", "scope": "Namespaced",
                "names": ["plural": "benchobjects", "kind": "BenchObject"],
                "versions": [
                    [
                        "name": "v1", "served": true, "storage": true,
                        "schema": [
                            "openAPIV3Schema": [
                                "type": "object", "x-kubernetes-preserve-unknown-fields": true,
                            ]
                        ],
                    ]
                ],
            ],
        ]
        do {
            _ = try await client.create(json: JSONSerialization.data(withJSONObject: crd), .customResourceDefinitions)
        } catch let error as KubernetesError where error.isAlreadyExists {}
        for _ in 0..<200 {
            if (try? await client.list(BenchObject.self, resource, namespace: "default", limit: 1)) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
