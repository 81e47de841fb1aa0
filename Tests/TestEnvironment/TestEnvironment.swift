import Foundation
import HTTPTransport

/// The real servers started by `scripts/test-env`, as its environment variables describe them.
///
/// An integration test is enabled with `.enabled(if: TestEnvironment.shouldRun(.kubernetes))`:
/// it runs when the server is there, and also whenever `CI` is set, so that in CI a missing
/// server fails the test (through `require`) instead of skipping it.
public enum TestEnvironment {
    public enum Server: String, Sendable {
        case kubernetes = "KVO_TEST_KUBE_URL"
        case redis = "KVO_TEST_REDIS_PORT"
        case redisTLS = "KVO_TEST_REDIS_TLS_PORT"
        case redisCluster = "KVO_TEST_REDIS_CLUSTER_PORTS"
        case emulator = "KVO_TEST_EMULATOR_URL"
        case managedIdentity = "KVO_TEST_IMDS_URL"
    }

    public struct MissingServer: Error, CustomStringConvertible {
        public let server: Server
        public var description: String {
            "the \(server) test server is not running: start the tests with `make test` (scripts/test-env)"
        }
    }

    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    public static var isCI: Bool {
        guard let value = environment["CI"]?.lowercased() else { return false }
        return !value.isEmpty && value != "false" && value != "0"
    }

    public static func isAvailable(_ server: Server) -> Bool {
        environment[server.rawValue].map { !$0.isEmpty } ?? false
    }

    /// Whether a test needing `server` should run: it is there, or this is CI.
    public static func shouldRun(_ server: Server) -> Bool {
        isAvailable(server) || isCI
    }

    /// Throws `MissingServer` when `server` is not running.
    public static func require(_ server: Server) throws {
        guard isAvailable(server) else { throw MissingServer(server: server) }
    }

    static func value(_ name: String) -> String { environment[name] ?? "" }

    /// The kube-apiserver: URL, an admin token, the CA that signed its certificate.
    public struct Kubernetes: Sendable {
        public let url: String
        public let adminToken: String
        public let caFile: String
        public let kubeconfig: String
        /// A CA that did not sign the server's certificate, for TLS failure tests.
        public let wrongCAFile: String
    }

    public static func kubernetes() throws -> Kubernetes {
        try require(.kubernetes)
        return Kubernetes(
            url: value("KVO_TEST_KUBE_URL"), adminToken: value("KVO_TEST_KUBE_TOKEN"),
            caFile: value("KVO_TEST_KUBE_CA"),
            kubeconfig: value("KVO_TEST_KUBECONFIG"), wrongCAFile: value("KVO_TEST_WRONG_CA"))
    }

    /// The shared redis-server, and the binary to start private ones.
    public struct Redis: Sendable {
        public let host: String
        public let port: Int
        public let serverBinary: String
    }

    public static func redis() throws -> Redis {
        try require(.redis)
        return Redis(
            host: value("KVO_TEST_REDIS_HOST"), port: Int(value("KVO_TEST_REDIS_PORT")) ?? 0,
            serverBinary: environment["KVO_TEST_REDIS_SERVER"] ?? "redis-server")
    }

    /// The shared TLS-only redis-server and the TLS material of the test rig (PEM files): the CA
    /// that signed the server's and the client's certificates, and certificates to be refused.
    public struct RedisTLS: Sendable {
        public let host: String
        public let port: Int
        public let directory: String
        public var caFile: String { directory + "/ca.crt" }
        /// A CA that signed none of these certificates.
        public let wrongCAFile: String
        public func certificate(_ name: Certificate) -> (certificate: String, key: String) {
            (directory + "/\(name.rawValue).crt", directory + "/\(name.rawValue).key")
        }

        public enum Certificate: String, Sendable {
            /// The server's (localhost, 127.0.0.1).
            case server
            /// A client certificate, for mutual TLS.
            case client
            /// The server's names, valid for one day in 2020.
            case expired
            /// Valid, for `redis.other.example` only.
            case otherName = "other-name"
            /// Valid, for `localhost` only (no IP address), as a managed cluster's nodes have.
            case named
        }
    }

    public static func redisTLS() throws -> RedisTLS {
        try require(.redisTLS)
        return RedisTLS(
            host: value("KVO_TEST_REDIS_HOST"), port: Int(value("KVO_TEST_REDIS_TLS_PORT")) ?? 0,
            directory: value("KVO_TEST_REDIS_TLS_DIR"), wrongCAFile: value("KVO_TEST_WRONG_CA"))
    }

    /// The shared Redis Cluster (three masters, a replica each) on loopback: its nodes' ports.
    public static func redisClusterPorts() throws -> [Int] {
        try require(.redisCluster)
        return value("KVO_TEST_REDIS_CLUSTER_PORTS").split(separator: " ").compactMap { Int($0) }
    }

    /// The shared keyvault-emulator (HTTPS with its generated CA), and its binary to start private ones.
    public struct Emulator: Sendable {
        public let url: String
        public let caFile: String
        public let binary: String
    }

    public static func emulator() throws -> Emulator {
        try require(.emulator)
        return Emulator(
            url: value("KVO_TEST_EMULATOR_URL"), caFile: value("KVO_TEST_EMULATOR_CA"),
            binary: value("KVO_TEST_EMULATOR_BIN"))
    }

    /// Flags every emulator of the run gets (`KVO_TEST_EMULATOR_FLAGS`, e.g. `--soft-delete-delay 3s`
    /// for the CI pass that runs the operator suites against real Key Vault's asynchronous deletes).
    public static var emulatorFlags: [String] {
        value("KVO_TEST_EMULATOR_FLAGS").split(separator: " ").map(String.init)
    }

    /// The rig's Azure managed identity endpoint (scripts/fake-imds): its base URL (IMDS's host), the
    /// App Service endpoint on it, and the header that endpoint requires.
    public struct ManagedIdentity: Sendable {
        public let url: String
        public var appServiceEndpoint: String { url + "/msi/token" }
        public let identityHeader: String

        /// How many token requests the endpoint got for `clientID`.
        public func tokenRequests(clientID: String) async throws -> Int {
            let http = try HTTPClient(configuration: .init())
            defer { http.close() }
            let response = try await http.execute(HTTPRequest(url: "\(url)/_requests?client_id=\(clientID)"))
            return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["count"] as? Int ?? -1
        }
    }

    public static func managedIdentity() throws -> ManagedIdentity {
        try require(.managedIdentity)
        return ManagedIdentity(url: value("KVO_TEST_IMDS_URL"), identityHeader: value("KVO_TEST_IMDS_IDENTITY_HEADER"))
    }

    /// A directory for files a test writes; removed by `scripts/test-env` on exit.
    /// Where the built executables are (`KVO_TEST_BIN_DIR`, else `.build/debug`).
    public static var binDirectory: String { environment["KVO_TEST_BIN_DIR"] ?? ".build/debug" }

    public static var scratchDirectory: String {
        environment["KVO_TEST_DIR"].map { $0 + "/scratch" } ?? NSTemporaryDirectory()
    }
}
