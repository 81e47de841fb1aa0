import BenchmarkSupport
import Foundation
import HTTPTransport
import TestEnvironment

/// A `keyvault-operator run` process on the test servers, and samples of its metrics and usage.
final class OperatorProcess: Sendable {
    struct Sample {
        var vaultCalls: Double
        var apiCalls: Double
        var apiWrites: Double
        var cpuSeconds: Double
        var peakKiB: Int
    }

    let binary: String
    let endpoint: String
    /// When the process was started.
    let started: ContinuousClock.Instant
    private let process: ChildProcess

    /// Starts `keyvault-operator run` on the test servers (`concurrency` nil: the default, as a
    /// user runs it); `vault` overrides the emulator's variables (`KEYVAULT_URL`, `KEYVAULT_CA_FILE`).
    init(namespace: String, concurrency: Int?, arguments: [String] = [], vault: [String: String] = [:]) throws {
        let environment = ProcessInfo.processInfo.environment
        binary = environment["KVO_BENCH_OPERATOR"] ?? ".build/release/keyvault-operator"
        let port = LocalPorts.free()
        endpoint = "http://127.0.0.1:\(port)"
        started = .now
        process = try ChildProcess(
            binary,
            arguments: [
                "run", "--kubeconfig", environment["KVO_TEST_KUBECONFIG"] ?? "", "--namespace", namespace,
                // Errors only: in the 429 pass every give-up is a warning, and they would break up the table.
                "--health-addr", "127.0.0.1:\(port)", "--metrics-addr", "127.0.0.1:\(port)", "--log-level", "error",
            ] + (concurrency.map { ["--concurrency", "\($0)"] } ?? []) + arguments,
            environment: Self.serverEnvironment.merging(vault) { $1 },
            output: .inherit)
    }

    /// The operator's variables for the test servers: the shared emulator and Redis.
    static var serverEnvironment: [String: String] {
        let environment = ProcessInfo.processInfo.environment
        return [
            "KEYVAULT_URL": environment["KVO_TEST_EMULATOR_URL"] ?? "",
            "KEYVAULT_CA_FILE": environment["KVO_TEST_EMULATOR_CA"] ?? "",
            "REDIS_HOST": environment["KVO_TEST_REDIS_HOST"] ?? "",
            "REDIS_PORT": environment["KVO_TEST_REDIS_PORT"] ?? "",
        ]
    }

    /// SIGTERM, then waits until the process has exited.
    func stop() async {
        process.send(SIGTERM)
        await process.waitForExit()
    }

    /// SIGTERM without waiting (for `defer`).
    func terminate() {
        process.send(SIGTERM)
    }

    /// Waits for `/readyz` to answer 200; returns when it did.
    @discardableResult
    func waitUntilReady() async throws -> ContinuousClock.Instant {
        try await Self.waitForOK(endpoint + "/readyz", within: .seconds(30), or: "the operator never became ready")
    }

    /// Polls `url` every 10 ms until it answers 200; returns when it did, or throws `failure` after `limit`.
    static func waitForOK(
        _ url: String, within limit: Duration, or failure: String
    ) async throws -> ContinuousClock.Instant {
        let http = try HTTPClient()
        for _ in 0..<Int(limit / .milliseconds(10)) {
            if (try? await http.execute(HTTPRequest(url: url)))?.status == 200 { return .now }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw HTTPError(code: .timedOut, message: failure, url: url)
    }

    func sample() async throws -> Sample {
        let metrics = String(
            decoding: try await HTTPClient().execute(HTTPRequest(url: endpoint + "/metrics")).body, as: UTF8.self)
        let pid = "\(process.pid)"
        return Sample(
            vaultCalls: PrometheusText.sum(metrics, "keyvault_requests_total"),
            apiCalls: PrometheusText.sum(metrics, "rest_client_requests_total"),
            apiWrites: ["POST", "PUT", "PATCH", "DELETE"].map {
                PrometheusText.sum(metrics, "rest_client_requests_total", containing: #"method="\#($0)""#)
            }.reduce(0, +),
            cpuSeconds: Bench.cpuSeconds(pid: pid), peakKiB: Bench.statusKiB("VmHWM", pid: pid))
    }
}
