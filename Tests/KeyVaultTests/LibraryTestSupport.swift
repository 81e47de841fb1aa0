import Foundation
import HTTPTransport
import KeyVault
import Logging
import Synchronization
import TestEnvironment

/// Configurations pointing at the test servers, with names and prefixes unique to one test.
enum LibraryTestSupport {
    static func vaultConfig(
        url: String? = nil, caFile: String? = nil, credential: Credential = .emulator, timeout: Duration = .seconds(20)
    )
        throws -> ClientConfig
    {
        let emulator = try TestEnvironment.emulator()
        let ca = try Data(contentsOf: URL(fileURLWithPath: caFile ?? emulator.caFile))
        return ClientConfig(
            // The rig's Entra ID is the emulator: its CA stands in for the system roots.
            vaultURL: url ?? emulator.url, timeout: timeout, caBundle: ca, systemRootsFile: caFile ?? emulator.caFile,
            credential: credential,
            retry: RetryPolicy(initialBackoff: .milliseconds(50), maximumBackoff: .seconds(1), maximumAttempts: 20))
    }

    static func cachedConfig(
        redisPort: Int? = nil, cacheTTL: Duration = .seconds(300), encryptionKey: Data? = nil
    ) throws -> CachedClientConfig {
        let redis = try TestEnvironment.redis()
        return CachedClientConfig(
            keyVault: try vaultConfig(),
            redis: .init(
                host: redis.host, port: redisPort ?? redis.port, poolSize: 4,
                commandTimeout: TestEnvironment.redisCommandTimeout),
            cacheTTL: cacheTTL,
            cachePrefix: "test-\(UUID().uuidString.prefix(8)):", negativeTTL: .seconds(30), encryptionKey: encryptionKey
        )
    }

    /// A redis-server of the test's own on a free port (outages, command counts); killed when released.
    static func privateRedis() async throws -> (server: ServerProcess, port: Int) {
        let redis = try TestEnvironment.redis()
        let port = LocalPorts.free()
        let server = ServerProcess(
            executable: redis.serverBinary, arguments: ["--bind", "127.0.0.1", "--port", "\(port)", "--save", ""])
        try await server.start(waitingForPort: port)
        return (server, port)
    }

    static func uniqueName(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func uniqueUser() -> String { "u\(UUID().uuidString.prefix(8).lowercased())" }

    /// How many requests the shared emulator served for `method path`.
    static func vaultRequests(_ method: String, _ path: String) async throws -> Int {
        let emulator = try TestEnvironment.emulator()
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(emulator.caFile))))
        let response = try await http.execute(
            HTTPRequest(url: "\(emulator.url)/_emulator/requests?method=\(method)&path=\(path)"))
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return json?["count"] as? Int ?? -1
    }
}

/// A log handler that keeps every message and its metadata, to prove what is never logged.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    // `@unchecked`: `lines` is behind a Mutex; the rest is set once at creation.
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
        var text: String { lines.withLock { $0.joined(separator: "\n") } }
    }
    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(store: Store) { self.store = store }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)") }
    }

    static func logger() -> (Logger, Store) {
        let store = Store()
        return (Logger(label: "test", factory: { _ in CapturingLogHandler(store: store) }), store)
    }
}
