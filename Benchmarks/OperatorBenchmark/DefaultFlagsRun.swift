import BenchmarkSupport
import Foundation
import TestEnvironment

extension OperatorBenchmark {
    /// What a new user sees: `count` resources (with their Secrets) created at once while the
    /// operator runs, from the first create until the last is Ready, with default flags (the
    /// default vault budget too) beside `--concurrency 4`, the default before issue #25. Against
    /// the shared emulator, then against one that answers 30 ms later, as a vault in the
    /// cluster's region might (loopback hides what waiting on the vault costs a worker). The
    /// issue's reference: a straightforward kopf operator took 34.8 s for 1,000 on this machine;
    /// the target is 0.3× that.
    static func defaultFlagsRun(_ fixtures: Fixtures, count: Int, report: inout ScaleReport) async throws {
        let names = (0..<count).map { "d\($0)" }
        let distant = try PrivateEmulator(name: "distant", arguments: ["--fault-latency", "30ms"])
        try await distant.start()
        defer { distant.sendKill() }
        for (label, vault) in [("", [String: String]()), (", vault 30 ms away", distant.environment)] {
            for concurrency in [nil, 4] {
                let namespace = try await fixtures.namespace(concurrency == nil ? "defaults" : "previous")
                let watcher = ReadyWatcher(kube: fixtures.kube, namespace: namespace)
                let watching = Task { try await watcher.run() }
                defer { watching.cancel() }
                let running = try OperatorProcess(namespace: namespace, concurrency: concurrency, vault: vault)
                defer { running.terminate() }
                try await running.waitUntilReady()
                let started = ContinuousClock.now
                _ = try await fixtures.createIntegrationsWithSecrets(namespace, names)
                let seconds = Bench.seconds(try await watcher.waitUntilReady(names, timeout: .seconds(1800)) - started)
                if let concurrency {
                    report.add("  the same with --concurrency \(concurrency) (the old default)", seconds, "s")
                } else {
                    let target = 0.3 * 34.8 * Double(count) / 1000
                    report.add(
                        "default flags\(label): \(count) created at once → all Ready", seconds, "s",
                        target: String(format: "≤ %.1f s", target), met: seconds <= target)
                    report.add("    peak RSS", Double(try await running.sample().peakKiB) / 1024, "MiB")
                }
                await running.stop()
            }
        }
    }
}
