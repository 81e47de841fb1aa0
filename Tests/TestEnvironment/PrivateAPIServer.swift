import Foundation
import HTTPTransport
public import Kubernetes

/// A kube-apiserver of a test's own on the shared etcd, with the shared server's flags and
/// credentials: to kill and restart without disturbing other tests.
public final class PrivateAPIServer: @unchecked Sendable {
    // `@unchecked`: used by one test, one call at a time.
    public let port = LocalPorts.free()
    let process: ServerProcess
    let environment: TestEnvironment.Kubernetes

    public init() throws {
        environment = try TestEnvironment.kubernetes()
        let directory = ProcessInfo.processInfo.environment["KVO_TEST_DIR"] ?? ""
        let arguments = try String(contentsOfFile: directory + "/kube-apiserver.args", encoding: .utf8)
            .split(separator: "\n").map(String.init)
            .map { [port] in $0.hasPrefix("--secure-port=") ? "--secure-port=\(port)" : $0 }
            .map { [port] in $0.hasPrefix("--cert-dir=") ? "--cert-dir=\(directory)/scratch/apiserver-\(port)" : $0 }
        process = ServerProcess(
            executable: ProcessInfo.processInfo.environment["KVO_TEST_KUBE_APISERVER"] ?? "kube-apiserver",
            arguments: arguments)
    }

    public var url: String { "https://127.0.0.1:\(port)" }

    /// Starts it (again) and waits until it serves.
    public func start() async throws {
        try await process.start(waitingForPort: port)
        let probe = try client()
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await probe.list(ConfigMap.self, .configMaps, namespace: "default", limit: 1)) == nil {
            guard ContinuousClock.now < deadline else {
                throw KubernetesError(
                    code: 0, reason: "Unavailable", message: "private kube-apiserver did not become ready")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Kills it with SIGKILL and waits until it has exited.
    public func kill() async { await process.kill() }

    /// SIGKILL without waiting (for `defer`).
    public func sendKill() { process.sendKill() }

    /// An admin client of this server.
    public func client() throws -> KubernetesClient {
        try KubernetesClient(
            configuration: .init(
                server: url, tls: .init(trust: .file(environment.caFile)),
                authentication: .token(environment.adminToken)))
    }

    /// A kubeconfig file for this server with the admin token, for processes.
    public func kubeconfig() throws -> String {
        let path = TestEnvironment.scratchDirectory + "/kubeconfig-\(port).yaml"
        try FileManager.default.createDirectory(
            atPath: TestEnvironment.scratchDirectory, withIntermediateDirectories: true)
        try """
        apiVersion: v1
        kind: Config
        clusters: [{name: private, cluster: {server: "\(url)", certificate-authority: "\(environment.caFile)"}}]
        users: [{name: admin, user: {token: "\(environment.adminToken)"}}]
        contexts: [{name: private, context: {cluster: private, user: admin}}]
        current-context: private
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
