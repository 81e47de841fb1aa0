import Foundation
import Redis
import TestEnvironment

/// A client for the shared test redis-server and a key prefix unique to one test.
struct SharedRedis {
    let client: RedisClient
    let prefix = "test:\(UUID().uuidString):"

    init(poolSize: Int = 4, database: Int = 0) throws {
        let redis = try TestEnvironment.redis()
        client = RedisClient(
            patient: .init(host: redis.host, port: redis.port, database: database, poolSize: poolSize))
    }

    func key(_ name: String) -> String { prefix + name }
}

/// A redis-server of a test's own, for password and restart tests.
struct PrivateRedis {
    let port = LocalPorts.free()
    let process: ServerProcess

    init(extraArguments: [String] = []) throws {
        let redis = try TestEnvironment.redis()
        process = ServerProcess(
            executable: redis.serverBinary,
            arguments: ["--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--appendonly", "no"] + extraArguments
        )
    }

    /// A TLS-only server (`--port 0`) with `certificate` from the test rig's TLS material.
    init(
        tls: TestEnvironment.RedisTLS, certificate: TestEnvironment.RedisTLS.Certificate, requireClients: Bool = false
    )
        throws
    {
        let redis = try TestEnvironment.redis()
        let (certificate, key) = tls.certificate(certificate)
        process = ServerProcess(
            executable: redis.serverBinary,
            arguments: [
                "--bind", "127.0.0.1", "--port", "0", "--tls-port", "\(port)", "--save", "", "--appendonly", "no",
                "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-ca-cert-file", tls.caFile,
                "--tls-auth-clients", requireClients ? "yes" : "no",
            ])
    }

    func start() async throws { try await process.start(waitingForPort: port) }
}

extension Data {
    init(_ text: String) { self = Data(text.utf8) }
}
