import BenchmarkSupport
import Foundation
import TestEnvironment

extension OperatorBenchmark {
    /// What a new user sees: `count` resources (with their Secrets) created at once while the
    /// operator runs, from the first create until the last is Ready, with default flags (the
    /// default vault budget too), beside `--concurrency 4` (the default before issue #25), beside
    /// the defaults with no vault budget to speak of, and beside the kopf peer (`KopfPeer`) doing
    /// the same job. Against the shared emulator, then against one that answers 30 ms later, as
    /// a vault in the cluster's region might (loopback hides what waiting on the vault costs a
    /// worker). The target is 0.3× the peer; without the peer, 0.3× the figure for it
    /// (34.8 s for 1,000 on this machine).
    static func defaultFlagsRun(_ fixtures: Fixtures, count: Int, report: inout ScaleReport) async throws {
        let names = (0..<count).map { "d\($0)" }
        let distant = try PrivateEmulator(name: "distant", arguments: ["--fault-latency", "30ms"])
        try await distant.start()
        defer { distant.sendKill() }
        if KopfPeer.executable == nil {
            ScaleReport.say(
                "  (no kopf peer: KVO_BENCH_KOPF is empty, unset or not installed; scripts/bench-operator installs it)")
        }
        for (label, vault) in [("", [String: String]()), (" (vault 30 ms away)", distant.environment)] {
            // The defaults; the old default; on loopback, the defaults with the vault budget
            // lifted far above Key Vault's limit (what the budget costs, since the emulator
            // enforces no limit and the peer keeps to none). The peer runs after them, on a
            // server that has seen as much as theirs.
            let variants: [(row: String, arguments: [String])] =
                [("default flags\(label): \(count) at once → all Ready", [])]
                + [("  the same with --concurrency 4 (the old default)", ["--concurrency", "4"])]
                + (vault.isEmpty
                    ? [("  the same with --vault-rate-limit 2000 (no budget)", ["--vault-rate-limit", "2000"])] : [])
            var defaultSeconds = 0.0
            for (row, arguments) in variants {
                let namespace = try await fixtures.namespace(arguments.isEmpty ? "defaults" : "variant")
                let running = try OperatorProcess(
                    namespace: namespace, concurrency: nil, arguments: arguments, vault: vault)
                defer { running.terminate() }
                try await running.waitUntilReady()
                let (seconds, creating) = try await secondsUntilReady(fixtures, namespace, names)
                report.add(row, seconds, "s")
                if arguments.isEmpty {
                    defaultSeconds = seconds
                    report.add("    of which the bench creating them", creating, "s")
                    report.add("    peak RSS", Double(try await running.sample().peakKiB) / 1024, "MiB")
                }
                await running.stop()
            }
            var peerSeconds = 34.8 * Double(count) / 1000
            var reference = "the issue's kopf figure on loopback"
            if let kopf = KopfPeer.executable {
                let namespace = try await fixtures.namespace("kopf")
                let peer = try KopfPeer(executable: kopf, namespace: namespace, vault: vault)
                defer { peer.terminate() }
                try await peer.waitUntilReady()
                let (seconds, creating) = try await secondsUntilReady(fixtures, namespace, names)
                (peerSeconds, reference) = (seconds, "the kopf peer")
                report.add("kopf peer\(label): \(count) at once → all Ready", seconds, "s")
                report.add("    of which the bench creating them", creating, "s")
                report.add("    peak RSS", Double(peer.peakKiB) / 1024, "MiB")
                await peer.stop()
            }
            let ratio = defaultSeconds / peerSeconds
            report.add("  default flags / \(reference)", ratio, "×", target: "≤ 0.3", met: ratio <= 0.3)
        }
    }

    /// Seconds from the first create of `names` (with their Secrets) in `namespace` until the
    /// last shows `Ready=True`, with whatever operator watches `namespace` already running; and
    /// the seconds the creates took (no operator can finish before the last one).
    private static func secondsUntilReady(
        _ fixtures: Fixtures, _ namespace: String, _ names: [String]
    ) async throws -> (total: Double, creating: Double) {
        let watcher = ReadyWatcher(kube: fixtures.kube, namespace: namespace)
        let watching = Task { try await watcher.run() }
        defer { watching.cancel() }
        let started = ContinuousClock.now
        let creating = try await fixtures.createIntegrationsWithSecrets(namespace, names)
        return (Bench.seconds(try await watcher.waitUntilReady(names, timeout: .seconds(1800)) - started), creating)
    }
}
