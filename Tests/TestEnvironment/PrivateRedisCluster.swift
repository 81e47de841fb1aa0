import Foundation

/// A Redis Cluster of a test's own (three masters, a replica each), started by
/// `scripts/redis-cluster` for what disturbs a cluster: failovers, slot migrations. `stop()` ends
/// it; `scripts/test-env stop` ends it too if the test could not.
public final class PrivateRedisCluster: Sendable {
    public let directory: String
    /// Every node's client port.
    public let ports: [Int]

    /// With `certificate` (of the rig's Redis TLS material) every node speaks TLS only.
    public static func start(
        certificate: TestEnvironment.RedisTLS.Certificate? = nil
    ) async throws -> PrivateRedisCluster {
        try TestEnvironment.require(.redis)
        let tls = try certificate.map { try TestEnvironment.redisTLS().directory + "/" + $0.rawValue }
        let directory = TestEnvironment.scratchDirectory + "/redis-cluster-\(UUID().uuidString.prefix(8))"
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/redis-cluster").path
        let process = try ChildProcess(
            script, arguments: [directory, "3"] + (tls.map { [$0] } ?? []),
            environment: ProcessInfo.processInfo.environment, output: .capture)
        let result = await process.waitForOutput()
        let ports = String(decoding: result.output, as: UTF8.self).split(whereSeparator: \.isWhitespace)
            .compactMap { Int($0) }
        let cluster = PrivateRedisCluster(directory: directory, ports: ports)
        guard result.termination.status == 0, ports.count == 6 else {
            cluster.stop()
            throw ClusterFailed(output: String(decoding: result.error, as: UTF8.self))
        }
        return cluster
    }

    private init(directory: String, ports: [Int]) {
        self.directory = directory
        self.ports = ports
    }

    /// Kills the server on `port` at once (SIGKILL), as a crashed node.
    public func kill(port: Int) {
        if let pid = pids()[port] { _ = Foundation.kill(pid, SIGKILL) }
    }

    /// Ends every server of the cluster.
    public func stop() {
        for pid in pids().values { _ = Foundation.kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory + "/pids")
    }

    /// The pid of each port's server, from the lines `redis-cluster-PORT PID` of `pids`.
    private func pids() -> [Int: pid_t] {
        let text = (try? String(contentsOfFile: directory + "/pids", encoding: .utf8)) ?? ""
        var pids: [Int: pid_t] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, let port = Int(fields[0].split(separator: "-").last ?? ""),
                let pid = pid_t(fields[1])
            else { continue }
            pids[port] = pid
        }
        return pids
    }

    struct ClusterFailed: Error, CustomStringConvertible {
        let output: String
        var description: String { "scripts/redis-cluster failed: \(output)" }
    }
}
