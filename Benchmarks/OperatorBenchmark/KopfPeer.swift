import BenchmarkSupport
import Foundation
import TestEnvironment

/// The peer of the default-flags run: `Benchmarks/peers/kopf/operator.py`, the same job written
/// with kopf and the official clients, run by `kopf run` from the virtualenv that
/// `scripts/bench-operator` installs (`KVO_BENCH_KOPF` names its `kopf`), on the test servers.
final class KopfPeer: Sendable {
    let endpoint: String
    private let process: ChildProcess

    /// The peer's `kopf`, or nil when the bench runs without `scripts/bench-operator`.
    static var executable: String? {
        ProcessInfo.processInfo.environment["KVO_BENCH_KOPF"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Starts the peer for `namespace`; `vault` overrides the emulator's variables, as for the operator.
    init(executable: String, namespace: String, vault: [String: String] = [:]) throws {
        let environment = ProcessInfo.processInfo.environment
        let port = LocalPorts.free()
        endpoint = "http://127.0.0.1:\(port)/healthz"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("peers/kopf/operator.py").path
        process = try ChildProcess(
            executable,
            arguments: [
                "run", "--standalone", "--namespace", namespace, "--liveness", endpoint, script,
            ],
            environment: OperatorProcess.serverEnvironment.merging(vault) { $1 }.merging([
                "KUBECONFIG": environment["KVO_TEST_KUBECONFIG"] ?? "", "PATH": environment["PATH"] ?? "/usr/bin:/bin",
            ]) { $1 },
            // kopf logs every object at INFO (and posts those lines as Events, its default): kept
            // at that level, only not shown among the figures.
            output: .discard)
    }

    /// Waits until kopf's liveness endpoint answers 200 (its watches are running).
    func waitUntilReady() async throws {
        _ = try await OperatorProcess.waitForOK(endpoint, within: .seconds(60), or: "the kopf peer never became live")
    }

    /// The peer's peak resident memory so far, in KiB.
    var peakKiB: Int { Bench.statusKiB("VmHWM", pid: "\(process.pid)") }

    /// SIGTERM, then SIGKILL if kopf is still running 10 s later (kopf 1.45 waits up to its
    /// `ultimate_exiting_timeout`, 10 minutes by default), and waits until it has exited.
    func stop() async {
        process.send(SIGTERM)
        for _ in 0..<200 where process.isRunning {
            try? await Task.sleep(for: .milliseconds(50))
        }
        process.send(SIGKILL)
        await process.waitForExit()
    }

    /// SIGTERM without waiting (for `defer`).
    func terminate() {
        process.send(SIGTERM)
    }
}
