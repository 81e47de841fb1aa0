import BenchmarkSupport
import Foundation
import Kubernetes
import Redis
import TestEnvironment
import UserIntegrationReconciler

/// The operator at scale against the real servers of scripts/test-env, each figure next to its
/// target (the scale issue) and, for throughput, next to a raw driver doing the least work:
/// reconcile throughput, apply → Ready latency idle and during a resync, memory, start-up, a
/// steady-state resync pass, and convergence while the vault throttles. Run by scripts/bench.
@main
struct OperatorBenchmark {
    static let environment = ProcessInfo.processInfo.environment
    static func setting(_ name: String, _ fallback: Int) -> Int { Int(environment[name] ?? "") ?? fallback }

    static func main() async throws {
        let count = setting("KVO_BENCH_RESOURCES", 10_000)
        let trials = setting("KVO_BENCH_TRIALS", 100)
        let concurrency = setting("KVO_BENCH_CONCURRENCY", 16)
        let resyncSeconds = setting("KVO_BENCH_RESYNC_SECONDS", 120)
        let throttledCount = setting("KVO_BENCH_THROTTLED_RESOURCES", 1_000)
        let throttledBudget = setting("KVO_BENCH_THROTTLED_BUDGET", 100)
        let kubeConfiguration = try KubernetesConfiguration.load(kubeconfig: environment["KVO_TEST_KUBECONFIG"])
        let kube = try KubernetesClient(configuration: kubeConfiguration)
        try await kube.installUserIntegrationCRD()
        let fixtures = Fixtures(kube: kube)
        let vault = try VaultRequests(
            url: environment["KVO_TEST_EMULATOR_URL"] ?? "", caFile: environment["KVO_TEST_EMULATOR_CA"] ?? "")
        var report = ScaleReport()
        report.settings = [
            "resources": "\(count)", "concurrency": "\(concurrency)", "resync_seconds": "\(resyncSeconds)",
            "cores": "\(ProcessInfo.processInfo.activeProcessorCount)",
            "throttled_resources": "\(throttledCount)", "throttled_budget": "\(throttledBudget)",
        ]
        ScaleReport.say(
            "operator-bench: \(count) resources, --concurrency \(concurrency), \(ProcessInfo.processInfo.activeProcessorCount) cores"
        )

        // Set-up: the operator's resources and the floor's, created before either runs.
        let namespace = try await fixtures.namespace("scale")
        let floorNamespace = try await fixtures.namespace("floor")
        let names = (0..<count).map { "r\($0)" }
        let created = try await fixtures.createIntegrationsWithSecrets(namespace, names)
        try await Bench.parallel(count, workers: 32) {
            try await fixtures.createIntegration(floorNamespace, names[$0], secret: "none")
        }
        report.add("set-up: \(count) Secrets + UserIntegrations created", created, "s")

        // 1. Throughput: the floor, then the operator on the same number of resources. Both runs
        // have a watcher on their namespace, as a user's `kubectl get -w` (the same load on the API server).
        let floorWatcher = ReadyWatcher(kube: kube, namespace: floorNamespace)
        let floorWatching = Task { try await floorWatcher.run() }
        defer { floorWatching.cancel() }
        let raw = RawDriver(
            kube: kubeConfiguration, vaultURL: vault.url, vaultCA: environment["KVO_TEST_EMULATOR_CA"] ?? "",
            redis: .init(
                host: environment["KVO_TEST_REDIS_HOST"] ?? "",
                port: Int(environment["KVO_TEST_REDIS_PORT"] ?? "") ?? 6379, poolSize: concurrency))
        let floor = try await raw.run(namespace: floorNamespace, names: names, concurrency: concurrency)
        report.add("floor: raw vault PUT + status PATCH + Redis SET, all \(count)", floor, "s")

        let watcher = ReadyWatcher(kube: kube, namespace: namespace)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }
        // The throughput run measures the operator's own cost: its vault budget is set out of the way.
        let unbudgeted = ["--resync-period", "\(resyncSeconds)s", "--vault-rate-limit", "100000"]
        var running = try OperatorProcess(namespace: namespace, concurrency: concurrency, arguments: unbudgeted)
        defer { running.terminate() }
        let allReady = Bench.seconds(try await watcher.waitUntilReady(names, timeout: .seconds(1800)) - running.started)
        report.add(
            "operator: start → all \(count) Ready=True", allReady, "s", target: "≤ 1.5× floor",
            met: allReady <= 1.5 * floor)
        report.add("  ratio to the floor", allReady / floor, "×")
        let bulk = try await running.sample()
        report.add("  operator CPU for the \(count)", bulk.cpuSeconds, "s")
        report.add("  API calls per resource", bulk.apiCalls / Double(count), "")
        report.add("  API writes per resource", bulk.apiWrites / Double(count), "")
        report.add("  vault calls per resource", bulk.vaultCalls / Double(count), "")

        // 2. Latency on an idle operator.
        let idle = try await applyLatencies(fixtures, watcher, namespace, prefix: "idle", trials: trials)
        report.add(
            "apply → Ready p50, idle (\(trials) trials)", Bench.percentile(idle, 50), "ms", target: "≤ 100 ms",
            met: Bench.percentile(idle, 50) <= 100)
        report.add(
            "apply → Ready p99, idle", Bench.percentile(idle, 99), "ms", target: "≤ 300 ms",
            met: Bench.percentile(idle, 99) <= 300)

        // 3. Memory with every resource cached.
        let peakMiB = Double(try await running.sample().peakKiB) / 1024
        report.add(
            "operator peak RSS, \(count + trials) resources cached", peakMiB, "MiB", target: "≤ 64 MiB",
            met: peakMiB <= 64)
        await running.stop()

        // 4. Start-up with every resource in place and unchanged, at the default vault budget;
        // then 5. the periodic pass after it, with new resources applied while it runs.
        let all = names + (0..<trials).map { "idle-\($0)" }
        let writesBefore = watcher.modifications()
        let rawLists = try await raw.listSeconds(namespace: namespace)
        running = try OperatorProcess(
            namespace: namespace, concurrency: concurrency, arguments: ["--resync-period", "\(resyncSeconds)s"])
        let startup = Bench.seconds(try await running.waitUntilReady() - running.started)
        report.add(
            "start-up: process start → /readyz ok, \(all.count) existing", startup, "s", target: "≤ 3 s",
            met: startup <= 3)
        report.add("  reference: the same lists, raw (received, not decoded)", rawLists, "s")
        let firstPass = try await vault.watch(timeout: .seconds(resyncSeconds * 2))
        let startupWrites = watcher.modifications() - writesBefore
        report.add(
            "start-up pass: vault writes", Double(firstPass.counts.writes), "", target: "0",
            met: firstPass.counts.writes == 0)
        report.add("start-up pass: status writes", Double(startupWrites), "", target: "0", met: startupWrites == 0)
        report.add(
            "start-up pass: vault reads per resource", Double(firstPass.counts.reads) / Double(all.count), "",
            target: "≤ 1", met: firstPass.counts.reads <= all.count)
        report.add("start-up pass: seconds", firstPass.seconds, "s")
        report.add(
            "  peak vault requests in one second (budget 300)", Double(firstPass.peakPerSecond), "/s", target: "≤ 330",
            met: firstPass.peakPerSecond <= 330)

        // The next pass starts about one period after start-up: new resources are applied once it runs.
        let steadyWrites = watcher.modifications()
        let base = try await vault.counts()
        async let pass = vault.watch(timeout: .seconds(resyncSeconds * 3), startAfter: 50)
        try await vault.waitForTraffic(above: 50, since: base, timeout: .seconds(resyncSeconds * 2))
        let busy = try await applyLatencies(fixtures, watcher, namespace, prefix: "busy", trials: min(trials, 30))
        let steady = try await pass
        // The new resources' own calls and writes are not the steady state's: take them out.
        var ownCalls = VaultRequests.Counts()
        for index in 0..<busy.count {
            ownCalls.reads += try await vault.count("GET", secret: fixtures.vaultSecret(of: "busy-\(index)"))
            ownCalls.writes += try await vault.count("PUT", secret: fixtures.vaultSecret(of: "busy-\(index)"))
        }
        let passCounts = steady.counts - ownCalls
        let statusWrites = watcher.modifications { !$0.hasPrefix("busy-") } - steadyWrites
        report.add(
            "apply → Ready p99 during a \(all.count)-resource resync", Bench.percentile(busy, 99), "ms",
            target: "≤ 1000 ms", met: Bench.percentile(busy, 99) <= 1000)
        report.add("  p50 during the resync", Bench.percentile(busy, 50), "ms")
        report.add("steady pass: vault writes", Double(passCounts.writes), "", target: "0", met: passCounts.writes == 0)
        report.add("steady pass: status writes", Double(statusWrites), "", target: "0", met: statusWrites == 0)
        report.add(
            "steady pass: vault reads per resource", Double(passCounts.reads) / Double(all.count), "", target: "≤ 1",
            met: passCounts.reads <= all.count)
        report.add("steady pass: seconds", steady.seconds, "s")
        report.add(
            "  peak vault requests in one second (budget 300)", Double(steady.peakPerSecond), "/s", target: "≤ 330",
            met: steady.peakPerSecond <= 330)
        report.add("  mean vault requests a second", steady.meanPerSecond, "/s")
        // The restart lists every resource with its status (the first start listed them bare).
        let restartPeakMiB = Double(try await running.sample().peakKiB) / 1024
        report.add(
            "restarted operator peak RSS (start-up list, two passes)", restartPeakMiB, "MiB", target: "≤ 64 MiB",
            met: restartPeakMiB <= 64)
        await running.stop()

        // 7. Convergence while the vault answers 429 to 30 % of requests.
        try await throttledRun(
            fixtures, count: throttledCount, budget: throttledBudget, concurrency: concurrency, report: &report)

        // 8. The contract floor, last, so that its writes (30,000 and 10,000 Events at full scale)
        // weigh on no figure of the operator's: what the contract asks of a new resource (a Secret
        // GET, a finalizer PATCH, a vault GET and PUT, a Redis SET, a status PATCH with four
        // conditions, an Event POST), raw, with the operator's concurrency.
        try await fixtures.createSecret(floorNamespace, "none")
        let contract = try await raw.runContract(
            namespace: floorNamespace, names: names, secret: "none", concurrency: concurrency)
        report.add("contract floor: the contract's calls, raw, all \(count)", contract, "s")
        report.add("  contract floor / floor", contract / floor, "×")
        report.add("  operator (start → all Ready) / contract floor", allReady / contract, "×")

        try report.write(to: environment["KVO_BENCH_OUTPUT"] ?? ".bench/operator.json")
        ScaleReport.say("written: \(environment["KVO_BENCH_OUTPUT"] ?? ".bench/operator.json")")
    }

    /// Applies `trials` integrations one at a time and returns each one's apply → Ready=True in ms.
    static func applyLatencies(
        _ fixtures: Fixtures, _ watcher: ReadyWatcher, _ namespace: String, prefix: String, trials: Int
    ) async throws -> [Double] {
        try await fixtures.createSecret(namespace, prefix)
        var latencies: [Double] = []
        for trial in 0..<trials {
            let started = ContinuousClock.now
            try await fixtures.createIntegration(namespace, "\(prefix)-\(trial)", secret: prefix)
            let ready = try await watcher.waitUntilReady(["\(prefix)-\(trial)"], timeout: .seconds(60))
            latencies.append(Bench.seconds(ready - started) * 1000)
        }
        return latencies
    }
}
