import BenchmarkSupport
import Foundation
import Kubernetes
import UserIntegrationReconciler

/// The operator end to end against the real servers of scripts/test-env: apply → Ready latency on
/// an idle operator, then many UserIntegrations with Secrets applied at once (time until all are
/// Ready, vault and API calls per resource, CPU seconds, peak RSS). Run by scripts/bench-operator.
@main
struct OperatorBenchmark {
    static let environment = ProcessInfo.processInfo.environment

    static func main() async throws {
        let trials = Int(environment["KVO_BENCH_TRIALS"] ?? "") ?? 100
        let count = Int(environment["KVO_BENCH_RESOURCES"] ?? "") ?? 1_000
        let concurrency = Int(environment["KVO_BENCH_CONCURRENCY"] ?? "") ?? 16
        let kube = try KubernetesClient(configuration: KubernetesConfiguration.load(kubeconfig: environment["KVO_TEST_KUBECONFIG"]))
        try await kube.installUserIntegrationCRD()
        let namespace = "opbench-\(UUID().uuidString.prefix(6).lowercased())"
        let users = "b\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await kube.create(json: JSONSerialization.data(withJSONObject: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": namespace]]), .namespaces)

        let watcher = ReadyWatcher(kube: kube, namespace: namespace)
        let watching = Task { try await watcher.run() }
        let operatorProcess = try OperatorProcess(namespace: namespace, concurrency: concurrency)
        defer { operatorProcess.stop() }
        try await operatorProcess.waitUntilReady()
        print("operator: \(operatorProcess.binary), --concurrency \(concurrency), namespace \(namespace)")

        // 1. apply → Ready=True on an idle operator, one resource at a time.
        try await createSecret(kube, namespace: namespace, name: "latency")
        var latencies: [Double] = []
        for trial in 0..<trials {
            let started = ContinuousClock.now
            try await createIntegration(kube, namespace: namespace, name: "latency-\(trial)", user: "\(users)-l\(trial)", secret: "latency")
            let ready = try await watcher.waitUntilReady(["latency-\(trial)"], timeout: .seconds(30))
            latencies.append(Bench.seconds(ready - started) * 1000)
        }
        let p50 = Bench.percentile(latencies, 50), p99 = Bench.percentile(latencies, 99)
        print(String(format: "apply → Ready=True, idle operator (%d trials):   p50 %6.1f ms   p99 %6.1f ms   max %6.1f ms", trials, p50, p99, latencies.max() ?? 0))

        // 2. `count` resources with their Secrets, applied at once.
        try await Bench.parallel(count, workers: 16) { index in try await createSecret(kube, namespace: namespace, name: "bulk-\(index)") }
        let before = try await operatorProcess.sample()
        let started = ContinuousClock.now
        try await Bench.parallel(count, workers: 32) { index in
            try await createIntegration(kube, namespace: namespace, name: "bulk-\(index)", user: "\(users)-\(index)", secret: "bulk-\(index)")
        }
        let applied = Bench.seconds(since: started)
        let last = try await watcher.waitUntilReady((0..<count).map { "bulk-\($0)" }, timeout: .seconds(600))
        let total = Bench.seconds(last - started)
        try await Task.sleep(for: .seconds(1))
        let after = try await operatorProcess.sample()
        let perResource = { (key: KeyPath<OperatorProcess.Sample, Double>) in (after[keyPath: key] - before[keyPath: key]) / Double(count) }
        print(String(format: "%d resources with Secrets applied at once:       all Ready=True after %.2f s (%.0f/s; the creates took %.2f s)", count, total, Double(count) / total, applied))
        print(String(format: "  per resource: %.2f vault calls, %.2f API calls (of which %.2f writes); operator CPU %.2f s in all; peak RSS %d MiB",
            perResource(\.vaultCalls), perResource(\.apiCalls), perResource(\.apiWrites), after.cpuSeconds - before.cpuSeconds, after.peakKiB / 1024))

        let report: [String: Any] = [
            "trials": trials, "latency_ms": ["p50": p50, "p99": p99, "max": latencies.max() ?? 0],
            "resources": count, "concurrency": concurrency, "all_ready_seconds": total, "create_seconds": applied,
            "vault_calls_per_resource": perResource(\.vaultCalls), "api_calls_per_resource": perResource(\.apiCalls),
            "api_writes_per_resource": perResource(\.apiWrites), "cpu_seconds": after.cpuSeconds - before.cpuSeconds, "peak_rss_mib": after.peakKiB / 1024,
        ]
        try FileManager.default.createDirectory(atPath: ".bench", withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: ".bench/operator.json"))
        print("written: .bench/operator.json")
        watching.cancel()
    }

    static func createSecret(_ kube: KubernetesClient, namespace: String, name: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": name, "namespace": namespace], "stringData": ["apiKey": "bench-value-\(name)"],
        ])
        _ = try await kube.create(json: body, .secrets, namespace: namespace)
    }

    static func createIntegration(_ kube: KubernetesClient, namespace: String, name: String, user: String, secret: String) async throws {
        let spec = UserIntegration.Spec(userId: user, type: "weather", secretRef: .init(name: secret, key: "apiKey"))
        _ = try await kube.create(UserIntegration(metadata: .init(name: name, namespace: namespace), spec: spec), UserIntegration.resource)
    }
}
