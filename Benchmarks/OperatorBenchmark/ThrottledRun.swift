import BenchmarkSupport
import Foundation
import TestEnvironment

extension OperatorBenchmark {
    /// `count` resources converging on an emulator of their own that answers 429 to 30 % of vault
    /// requests, with the operator's budget at `budget` requests a second: all must become Ready,
    /// and the vault must see no more than the budget (as it counts every attempt).
    static func throttledRun(
        _ fixtures: Fixtures, count: Int, budget: Int, concurrency: Int, report: inout ScaleReport
    ) async throws {
        let emulator = try PrivateEmulator(name: "throttled", arguments: ["--fault-throttle-rate", "0.3"])
        try await emulator.start()
        defer { emulator.sendKill() }
        let vault = try VaultRequests(url: emulator.url, caFile: emulator.caFile)
        let namespace = try await fixtures.namespace("throttled")
        let names = (0..<count).map { "t\($0)" }
        _ = try await fixtures.createIntegrationsWithSecrets(namespace, names)
        let watcher = ReadyWatcher(kube: fixtures.kube, namespace: namespace)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }

        let running = try OperatorProcess(
            namespace: namespace, concurrency: concurrency, arguments: ["--vault-rate-limit", "\(budget)"],
            vault: emulator.environment)
        defer { running.terminate() }
        async let traffic = vault.watch(timeout: .seconds(1800), idleEnd: .seconds(5))
        let converged = Bench.seconds(
            try await watcher.waitUntilReady(names, timeout: .seconds(1800)) - running.started)
        let pass = try await traffic
        report.add("429 on 30 %: all \(count) Ready=True after", converged, "s")
        report.add(
            "  vault requests per resource (429s and retries included)", Double(pass.counts.total) / Double(count), "")
        report.add(
            "  peak vault requests in one second (budget \(budget))", Double(pass.peakPerSecond), "/s",
            target: "≤ \(budget + budget / 10)", met: pass.peakPerSecond <= budget + budget / 10)
        report.add(
            "  mean vault requests a second", pass.meanPerSecond, "/s", target: "≤ \(budget)",
            met: pass.meanPerSecond <= Double(budget))
    }
}
