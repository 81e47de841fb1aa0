import Foundation
import HTTPTransport
import KeyVault
import Redis

/// Measures the KeyVault library's cache paths side by side with raw Redis and raw HTTP on the
/// same servers (scripts/bench-library starts them and runs redis-benchmark as the outside reference).
/// Configured by the KeyVault environment (KEYVAULT_URL, KEYVAULT_CA_FILE, REDIS_HOST, REDIS_PORT).
@main
struct KeyVaultBenchmark {
    static func main() async throws {
        if CommandLine.arguments.dropFirst().first == L1EvictionBenchmark.writerArgument { return try await L1EvictionBenchmark.runWriter() }
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["KVO_BENCH_OPERATIONS"] ?? "") ?? 20_000
        var config = try CachedClientConfig.fromEnvironment()
        config.redis.poolSize = 32
        config.cachePrefix = "bench-\(UUID().uuidString.prefix(6)):"
        let client = try CachedClient(config: config)
        var l1Config = config
        l1Config.l1CacheSize = 1024
        let l1Client = try CachedClient(config: l1Config)
        let redis = RedisClient(configuration: .init(host: config.redis.host, port: config.redis.port, poolSize: 32))
        let caPath = environment["KEYVAULT_CA_FILE"] ?? ""
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(caPath))))
        let token = try await fetchToken(http: http, vaultURL: config.keyVault.vaultURL)

        let user = "bench-user"
        for type in IntegrationType.allCases {
            try await client.setUserIntegration(userID: user, type: type, value: "benchmark-value-\(type.rawValue)")
        }
        let name = IntegrationKey(userID: user, type: .weather).secretName
        _ = try await client.getSecret(name)
        _ = try await client.listUserIntegrations(userID: user)
        while l1Client.cacheStats().l1Hits == 0 { _ = try await l1Client.getSecret(name) }
        let rawKey = config.cachePrefix + "secret:" + name
        let vaultURL = config.keyVault.vaultURL
        var results: [Measurement] = []

        for concurrency in [1, 32] {
            results.append(try await Measurement.run("raw RedisClient GET", count: count, concurrency: concurrency) { _ in
                _ = try await redis.get(rawKey)
            })
            results.append(try await Measurement.run("CachedClient.getSecret hit", count: count, concurrency: concurrency) { _ in
                _ = try await client.getSecret(name)
            })
            let l1HitsBefore = l1Client.cacheStats().l1Hits
            results.append(try await Measurement.run("CachedClient.getSecret L1 hit", count: count, concurrency: concurrency) { _ in
                _ = try await l1Client.getSecret(name)
            })
            print("L1 hit run, \(concurrency) callers: \(l1Client.cacheStats().l1Hits - l1HitsBefore) of \(count) reads served in process")
        }
        results.append(try await Measurement.run("listUserIntegrations (8 cached)", count: count / 4, concurrency: 1) { _ in
            _ = try await client.listUserIntegrations(userID: user)
        })
        // The list's Redis part alone: one MGET of the same eight entries.
        let integrationKeys = IntegrationType.allCases.map { config.cachePrefix + IntegrationKey(userID: user, type: $0).logicalKey }
        results.append(try await Measurement.run("raw RedisClient MGET (8 keys)", count: count / 4, concurrency: 1) { _ in
            _ = try await redis.mget(integrationKeys)
        })

        // Miss path: distinct secrets, each read once through the cache, against a raw vault GET
        // plus a raw Redis SET of the same secrets.
        let misses = min(2000, count / 10)
        let prefix = "bench-miss-\(UUID().uuidString.prefix(6).lowercased())"
        for index in 0..<misses { try await client.vault.setSecret("\(prefix)-\(index)", value: "miss-value-\(index)") }
        results.append(try await Measurement.run("raw vault GET + raw Redis SET", count: misses, concurrency: 1) { index in
            let response = try await http.execute(HTTPRequest(
                url: "\(vaultURL)/secrets/\(prefix)-\(index)?api-version=7.5", headers: ["Authorization": "Bearer \(token)"]))
            try await redis.set("bench-raw:\(prefix)-\(index)", response.body, expiration: .seconds(300))
        })
        results.append(try await Measurement.run("raw vault GET", count: misses, concurrency: 1) { index in
            _ = try await http.execute(HTTPRequest(
                url: "\(vaultURL)/secrets/\(prefix)-\(index)?api-version=7.5", headers: ["Authorization": "Bearer \(token)"]))
        })
        results.append(try await Measurement.run("KeyVaultClient.getSecret", count: misses, concurrency: 1) { index in
            _ = try await client.vault.getSecret("\(prefix)-\(index)")
        })
        results.append(try await Measurement.run("CachedClient.getSecret miss", count: misses, concurrency: 1) { index in
            _ = try await client.getSecret("\(prefix)-\(index)")
        })

        print("operation                          callers      ops/s    p50 µs    p99 µs")
        for result in results {
            print(
                result.name.padding(toLength: 34, withPad: " ", startingAt: 0) + String(format: " %7d %10.0f %9.1f %9.1f", result.concurrency, result.throughput, result.p50Microseconds, result.p99Microseconds))
        }
        let delays = try await L1EvictionBenchmark.measure(reader: l1Client, writes: 50).sorted()
        print(
            String(
                format: "L1 cross-process eviction (write returned -> new value read), %d writes: p50 %.0f µs  p99 %.0f µs  max %.0f µs",
                delays.count, Double(delays[delays.count / 2]) / 1000, Double(delays[delays.count * 99 / 100]) / 1000, Double(delays[delays.count - 1]) / 1000))
        let output = environment["KVO_BENCH_OUTPUT"] ?? ".bench/library.json"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(results).write(to: URL(fileURLWithPath: output))
    }

    static func fetchToken(http: HTTPClient, vaultURL: String) async throws -> String {
        let response = try await http.execute(HTTPRequest(url: vaultURL + "/token"))
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        return json?["access_token"] as? String ?? ""
    }
}
