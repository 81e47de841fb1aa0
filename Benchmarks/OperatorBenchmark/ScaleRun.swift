import BenchmarkSupport
import Foundation

extension OperatorBenchmark {
    /// How far one process goes (`make bench-operator SCALE=N`, not in CI): N resources with their
    /// Secrets reconciled, then a restart with every one in place: start-up to `/readyz`, the
    /// informers' memory (RSS when ready, less an operator's on an empty namespace) per cached
    /// resource, peak RSS, and the start-up pass (vault reads per resource, writes) at the default
    /// vault budget and a resync period of `resyncSeconds`.
    static func scaleRun(
        _ fixtures: Fixtures, vault: VaultRequests, count: Int, concurrency: Int, resyncSeconds: Int,
        report: inout ScaleReport
    ) async throws {
        // The baseline: the same process with nothing to cache.
        let empty = try await fixtures.namespace("empty")
        let idle = try OperatorProcess(namespace: empty, concurrency: concurrency)
        try await idle.waitUntilReady()
        let baseKiB = try await idle.sample().peakKiB
        await idle.stop()
        report.add("operator RSS with nothing cached", Double(baseKiB) / 1024, "MiB")

        let namespace = try await fixtures.namespace("scale")
        let names = (0..<count).map { "s\($0)" }
        report.add(
            "set-up: \(count) Secrets + UserIntegrations created",
            try await fixtures.createIntegrationsWithSecrets(namespace, names), "s")
        let watcher = ReadyWatcher(kube: fixtures.kube, namespace: namespace)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }
        let first = try OperatorProcess(
            namespace: namespace, concurrency: concurrency,
            arguments: ["--resync-period", "\(resyncSeconds)s", "--vault-rate-limit", "100000"])
        defer { first.terminate() }
        let converged = Bench.seconds(try await watcher.waitUntilReady(names, timeout: .seconds(7200)) - first.started)
        report.add("start → all \(count) Ready=True (vault budget out of the way)", converged, "s")
        report.add("  peak RSS", Double(try await first.sample().peakKiB) / 1024, "MiB")
        await first.stop()

        // The restart: every resource in place and reconciled.
        let writesBefore = watcher.modifications()
        let running = try OperatorProcess(
            namespace: namespace, concurrency: concurrency, arguments: ["--resync-period", "\(resyncSeconds)s"])
        defer { running.terminate() }
        let startup = Bench.seconds(try await running.waitUntilReady() - running.started)
        report.add("restart: process start → /readyz ok, \(count) existing", startup, "s")
        let readyKiB = try await running.sample().peakKiB
        report.add("  RSS when ready", Double(readyKiB) / 1024, "MiB")
        report.add(
            "  bytes per cached resource (RSS less the empty operator's)",
            Double((readyKiB - baseKiB) * 1024) / Double(count), "B")
        let pass = try await vault.watch(timeout: .seconds(resyncSeconds * 2), idleEnd: .seconds(10))
        report.add(
            "start-up pass: vault reads per resource", Double(pass.counts.reads) / Double(count), "", target: "≤ 1",
            met: pass.counts.reads <= count)
        report.add(
            "start-up pass: vault writes", Double(pass.counts.writes), "", target: "0", met: pass.counts.writes == 0)
        let statusWrites = watcher.modifications() - writesBefore
        report.add("start-up pass: status writes", Double(statusWrites), "", target: "0", met: statusWrites == 0)
        report.add("  seconds (spread over the period at the default budget)", pass.seconds, "s")
        report.add("  peak vault requests in one second (budget 300)", Double(pass.peakPerSecond), "/s")
        report.add("peak RSS after the pass", Double(try await running.sample().peakKiB) / 1024, "MiB")
        await running.stop()
    }
}
