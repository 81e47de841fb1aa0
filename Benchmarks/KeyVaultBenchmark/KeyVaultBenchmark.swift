import BenchmarkSupport
import Foundation
import HTTPTransport
import KeyVault
import Redis

/// Measures the KeyVault library's cache paths side by side with raw Redis, `redis-benchmark` and
/// raw HTTP on the same servers (scripts/bench-library starts them), in `KVO_BENCH_ROUNDS` rounds:
/// each round runs every case once, the reference and the library's path moments apart, and
/// alternates which goes first. Configured by the KeyVault environment (KEYVAULT_URL,
/// KEYVAULT_CA_FILE, REDIS_HOST, REDIS_PORT).
@main
struct KeyVaultBenchmark {
    static func main() async throws {
        if CommandLine.arguments.dropFirst().first == L1EvictionBenchmark.writerArgument {
            return try await L1EvictionBenchmark.runWriter()
        }
        let environment = ProcessInfo.processInfo.environment
        let count = Int(environment["KVO_BENCH_OPERATIONS"] ?? "") ?? 20_000
        let roundCount = max(1, Int(environment["KVO_BENCH_ROUNDS"] ?? "") ?? 5)
        var config = try CachedClientConfig.fromEnvironment()
        config.redis.poolSize = 32
        config.cachePrefix = "bench-\(UUID().uuidString.prefix(6)):"
        let client = try CachedClient(config: config)
        var l1Config = config
        l1Config.l1CacheSize = 1024
        let l1Client = try CachedClient(config: l1Config)
        let redis = RedisClient(configuration: .init(host: config.redis.host, port: config.redis.port, poolSize: 32))
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(environment["KEYVAULT_CA_FILE"] ?? ""))))
        let token = try await Bench.emulatorToken(http, vaultURL: config.keyVault.vaultURL)

        let user = "bench-user"
        for type in IntegrationType.allCases {
            try await client.setUserIntegration(userID: user, type: type, value: "benchmark-value-\(type.rawValue)")
        }
        let name = IntegrationKey(userID: user, type: .weather).secretName
        _ = try await client.getSecret(name)
        _ = try await client.listUserIntegrations(userID: user)
        while l1Client.cacheStats().l1Hits == 0 { _ = try await l1Client.getSecret(name) }
        let rawKey = config.cachePrefix + "secret:" + name
        // redis-benchmark reads this key: the same bytes as the library's entry, so both get the same reply.
        guard let entry = try await redis.get(rawKey) else {
            throw BenchmarkFailure("the benchmark's entry is not cached")
        }
        try await redis.set("key:__rand_int__", entry)
        let managed = try await ManagedRedisBenchmark(base: config, user: user, environment: environment)
        defer { managed.close() }
        let integrationKeys = IntegrationType.allCases.map {
            config.cachePrefix + IntegrationKey(userID: user, type: $0).logicalKey
        }

        // Misses: distinct secrets, each read once through the cache, fresh ones every round.
        let missesPerRound = max(100, min(2000, count / 10) / roundCount)
        let missPrefix = "bench-miss-\(UUID().uuidString.prefix(6).lowercased())"
        @Sendable func missName(_ round: Int, _ index: Int) -> String { "\(missPrefix)-\(round)-\(index)" }
        for round in 0..<roundCount {
            for index in 0..<missesPerRound {
                try await client.vault.setSecret(missName(round, index), value: "miss-value-\(index)")
            }
        }
        let vaultURL = config.keyVault.vaultURL
        @Sendable func rawVaultGET(_ name: String) async throws -> HTTPResponse {
            try await http.execute(
                HTTPRequest(
                    url: "\(vaultURL)/secrets/\(name)?api-version=7.5", headers: ["Authorization": "Bearer \(token)"]))
        }

        var table = RoundTable()
        for round in 0..<roundCount {
            // Each step is a reference next to the library's path; odd rounds run them the other way round.
            func pair(_ first: () async throws -> Measurement, _ second: () async throws -> Measurement) async throws {
                if round % 2 == 0 {
                    table.add(try await first())
                    table.add(try await second())
                } else {
                    table.add(try await second())
                    table.add(try await first())
                }
            }
            for concurrency in [1, 32] {
                table.add(
                    try RedisBenchmark.run(
                        host: config.redis.host, port: config.redis.port, operations: count, clients: concurrency))
                try await pair(
                    {
                        try await Measurement.run("raw RedisClient GET", count: count, concurrency: concurrency) { _ in
                            _ = try await redis.get(rawKey)
                        }
                    },
                    {
                        try await Measurement.run("CachedClient.getSecret hit", count: count, concurrency: concurrency)
                        { _ in _ = try await client.getSecret(name) }
                    })
                table.add(
                    try await Measurement.run("CachedClient.getSecret L1 hit", count: count, concurrency: concurrency) {
                        _ in _ = try await l1Client.getSecret(name)
                    })
            }
            try await pair(
                {
                    try await Measurement.run("raw RedisClient MGET (8 keys)", count: count / 4, concurrency: 1) { _ in
                        _ = try await redis.mget(integrationKeys)
                    }
                },
                {
                    try await Measurement.run("listUserIntegrations (8 cached)", count: count / 4, concurrency: 1) {
                        _ in _ = try await client.listUserIntegrations(userID: user)
                    }
                })
            // The list and one raw GET by turns, and a miss and its raw parts by turns: each meets the
            // servers as the other leaves them.
            let (get, list) = try await Measurement.interleaved(
                count: count / 4, (Self.getByTurns, { _ in _ = try await redis.get(rawKey) }),
                (Self.listByTurns, { _ in _ = try await client.listUserIntegrations(userID: user) }))
            let (rawMiss, miss) = try await Measurement.interleaved(
                count: missesPerRound,
                (
                    Self.rawMissByTurns,
                    { index in
                        let response = try await rawVaultGET(missName(round, index))
                        try await redis.set(
                            "bench-raw:\(missName(round, index))", response.body, expiration: .seconds(300))
                    }
                ),
                (Self.missByTurns, { index in _ = try await client.getSecret(missName(round, index)) }))
            [get, list, rawMiss, miss].forEach { table.add($0) }
            // Cache-aside's own minimum, from raw parts: the Redis GET that finds the miss, the vault GET, the fill.
            table.add(
                try await Measurement.run("raw Redis GET+vault GET+Redis SET", count: missesPerRound, concurrency: 1) {
                    index in
                    _ = try await redis.get("bench-raw-miss:\(missName(round, index))")
                    let response = try await rawVaultGET(missName(round, index))
                    try await redis.set(
                        "bench-raw-miss:\(missName(round, index))", response.body, expiration: .seconds(300))
                })
            try await managed.measure(count: count, standalone: client, into: &table)
            table.add(
                try await Measurement.run("raw vault GET", count: missesPerRound, concurrency: 1) { index in
                    _ = try await rawVaultGET(missName(round, index))
                })
            table.add(
                try await Measurement.run("KeyVaultClient.getSecret", count: missesPerRound, concurrency: 1) { index in
                    _ = try await client.vault.getSecret(missName(round, index))
                })
        }
        guard l1Client.cacheStats().l1Hits >= roundCount * count * 2 else {
            throw BenchmarkFailure("some L1 reads were not served in process")
        }

        addRatios(to: &table)
        ManagedRedisBenchmark.addRatios(to: &table)
        print("\(roundCount) rounds, \(count) operations per cache-hit case, \(missesPerRound) misses per round")
        table.printTable()
        let delays = try await L1EvictionBenchmark.measure(reader: l1Client, writes: 50).sorted()
        print(
            String(
                format:
                    "\nL1 cross-process eviction (write returned -> new value read), %d writes: p50 %.0f µs  p99 %.0f µs  max %.0f µs",
                delays.count, Double(delays[delays.count / 2]) / 1000, Double(delays[delays.count * 99 / 100]) / 1000,
                Double(delays[delays.count - 1]) / 1000))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(Report(cases: table.summaries, ratios: table.ratios, l1EvictionNanoseconds: delays))
            .write(to: URL(fileURLWithPath: environment["KVO_BENCH_OUTPUT"] ?? ".bench/library.json"))
    }

    /// The library issue's targets (and #8's L1 target), with figures for context beside them.
    static func addRatios(to table: inout RoundTable) {
        let hit = "CachedClient.getSecret hit"
        let reference = RedisBenchmark.name
        for callers in [1, 32] {
            table.ratio(
                "hit p50 / redis-benchmark p50, \(callers) callers", (hit, callers), over: (reference, callers),
                figure: \.p50Microseconds, atMost: 1.25)
            table.ratio(
                "hit throughput / redis-benchmark, \(callers) callers", (hit, callers), over: (reference, callers),
                figure: \.throughput, atLeast: 0.8)
            // Little's law: callers / throughput is the latency of a closed loop however a tool clocks it
            // (redis-benchmark's own clock leaves out the time a reply waits for its turn in its event loop).
            table.ratio(
                "  context: hit callers/throughput / redis-benchmark's, \(callers) callers", (hit, callers),
                over: (reference, callers),
                figure: { Double($0.concurrency) / $0.throughput })
            table.ratio(
                "  context: hit p50 / raw RedisClient GET p50, \(callers) callers", (hit, callers),
                over: ("raw RedisClient GET", callers), figure: \.p50Microseconds)
            table.ratio(
                "L1 hit p50 / raw RedisClient GET p50, \(callers) callers", ("CachedClient.getSecret L1 hit", callers),
                over: ("raw RedisClient GET", callers), figure: \.p50Microseconds, atMost: 0.05)
        }
        table.ratio(
            "listUserIntegrations p50 / one raw RedisClient GET p50, by turns", (listByTurns, 1), over: (getByTurns, 1),
            figure: \.p50Microseconds, atMost: 1.5)
        table.ratio(
            "  context: the same, each called back to back", ("listUserIntegrations (8 cached)", 1),
            over: ("raw RedisClient GET", 1), figure: \.p50Microseconds)
        table.ratio(
            "  context: listUserIntegrations p50 / raw MGET of the eight p50", ("listUserIntegrations (8 cached)", 1),
            over: ("raw RedisClient MGET (8 keys)", 1), figure: \.p50Microseconds)
        table.ratio(
            "miss p50 / (raw vault GET + raw Redis SET) p50, by turns", (missByTurns, 1), over: (rawMissByTurns, 1),
            figure: \.p50Microseconds, atMost: 1.2)
        table.ratio(
            "  context: miss p50 / raw Redis GET + vault GET + Redis SET p50", (missByTurns, 1),
            over: ("raw Redis GET+vault GET+Redis SET", 1), figure: \.p50Microseconds)
        table.ratio(
            "  context: KeyVaultClient.getSecret p50 / raw vault GET p50", ("KeyVaultClient.getSecret", 1),
            over: ("raw vault GET", 1), figure: \.p50Microseconds)
    }

    static let getByTurns = "raw RedisClient GET, by turns"
    static let listByTurns = "listUserIntegrations, by turns"
    static let rawMissByTurns = "raw vault GET + Redis SET, by turns"
    static let missByTurns = "CachedClient.getSecret miss, by turns"

    struct Report: Encodable {
        let cases: [RoundTable.Summary]
        let ratios: [RoundTable.Ratio]
        let l1EvictionNanoseconds: [Int64]
    }
}
