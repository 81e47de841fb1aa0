import Foundation
import KeyVault
import Redis

/// The hit path on Redis as managed services run it, measured in the same rounds as the rest:
/// a TLS-only server beside `redis-benchmark --tls` on it, and a Redis Cluster beside the same
/// library on one plain server (by turns for one caller, back to back for 32, so that both meet
/// the machine in the same state). scripts/bench-library starts both and names them in
/// `KVO_BENCH_REDIS_TLS_PORT` + `KVO_BENCH_REDIS_TLS_CA` and `KVO_BENCH_REDIS_CLUSTER_PORT`.
struct ManagedRedisBenchmark {
    static let tlsHit = "getSecret hit, TLS"
    static let tlsReference = "redis-benchmark GET --tls"
    static let clusterHit = "getSecret hit, cluster"
    static let standaloneHit = "getSecret hit, standalone"
    static let clusterList = "listUserIntegrations, cluster"

    let tls: (client: CachedClient, port: Int, caFile: String)
    let cluster: CachedClient
    let secretName: String
    let user: String

    /// Clients like `base` on the TLS server and the cluster, with the benchmark's entries cached.
    init(base: CachedClientConfig, user: String, environment: [String: String]) async throws {
        guard let tlsPort = environment["KVO_BENCH_REDIS_TLS_PORT"].flatMap(Int.init),
            let caFile = environment["KVO_BENCH_REDIS_TLS_CA"],
            let clusterPort = environment["KVO_BENCH_REDIS_CLUSTER_PORT"].flatMap(Int.init)
        else {
            throw BenchmarkFailure(
                "KVO_BENCH_REDIS_TLS_PORT, KVO_BENCH_REDIS_TLS_CA or KVO_BENCH_REDIS_CLUSTER_PORT unset")
        }
        var tlsConfig = base
        tlsConfig.redis = try CachedClientConfig.fromEnvironment([
            "KEYVAULT_URL": base.keyVault.vaultURL, "REDIS_URL": "rediss://localhost:\(tlsPort)",
            "REDIS_CA_FILE": caFile,
        ]).redis
        tlsConfig.redis.poolSize = base.redis.poolSize
        var clusterConfig = base
        clusterConfig.redis = CachedClientConfig.RedisConfig(
            host: "127.0.0.1", port: clusterPort, poolSize: base.redis.poolSize, cluster: true)
        tls = (try CachedClient(config: tlsConfig), tlsPort, caFile)
        cluster = try CachedClient(config: clusterConfig)
        self.user = user
        secretName = IntegrationKey(userID: user, type: .weather).secretName
        for client in [tls.client, cluster] {
            _ = try await client.getSecret(secretName)
            _ = try await client.listUserIntegrations(userID: user)
        }
        // redis-benchmark --tls reads the same bytes as the library's entry.
        let raw = RedisClient(configuration: try tlsConfig.redis.clientConfiguration())
        defer { raw.close() }
        guard let entry = try await raw.get(base.cachePrefix + "secret:" + secretName) else {
            throw BenchmarkFailure("the TLS benchmark's entry is not cached")
        }
        try await raw.set("key:__rand_int__", entry)
    }

    /// One round: the TLS reference and hit, then the cluster's hit next to the standalone one
    /// (`standalone`), per number of callers, and the cluster's list.
    func measure(count: Int, standalone: CachedClient, into table: inout RoundTable) async throws {
        for concurrency in [1, 32] {
            table.add(
                try RedisBenchmark.run(
                    host: "localhost", port: tls.port, operations: count, clients: concurrency,
                    options: ["--tls", "--cacert", tls.caFile], name: Self.tlsReference))
            table.add(
                try await Measurement.run(Self.tlsHit, count: count, concurrency: concurrency) { [tls, secretName] _ in
                    _ = try await tls.client.getSecret(secretName)
                })
        }
        let (alone, clustered) = try await Measurement.interleaved(
            count: count, (Self.standaloneHit, { [secretName] _ in _ = try await standalone.getSecret(secretName) }),
            (Self.clusterHit, { [cluster, secretName] _ in _ = try await cluster.getSecret(secretName) }))
        table.add(alone)
        table.add(clustered)
        for (name, client) in [(Self.standaloneHit, standalone), (Self.clusterHit, cluster)] {
            table.add(
                try await Measurement.run(name, count: count, concurrency: 32) { [secretName] _ in
                    _ = try await client.getSecret(secretName)
                })
        }
        table.add(
            try await Measurement.run(Self.clusterList, count: count / 4, concurrency: 1) { [cluster, user] _ in
                _ = try await cluster.listUserIntegrations(userID: user)
            })
    }

    static func addRatios(to table: inout RoundTable) {
        for callers in [1, 32] {
            table.ratio(
                "TLS hit p50 / redis-benchmark --tls p50, \(callers) callers", (tlsHit, callers),
                over: (tlsReference, callers), figure: \.p50Microseconds, atMost: 1.3)
            table.ratio(
                "TLS hit throughput / redis-benchmark --tls, \(callers) callers", (tlsHit, callers),
                over: (tlsReference, callers), figure: \.throughput, atLeast: 0.8)
            table.ratio(
                "  context: TLS hit p50 / plain hit p50, \(callers) callers", (tlsHit, callers),
                over: ("CachedClient.getSecret hit", callers), figure: \.p50Microseconds)
            table.ratio(
                "cluster hit p50 / standalone hit p50, \(callers == 1 ? "by turns" : "32 callers")",
                (clusterHit, callers),
                over: (standaloneHit, callers), figure: \.p50Microseconds, atMost: 1.25)
        }
        table.ratio(
            "cluster list of 8 p50 / standalone list p50", (clusterList, 1),
            over: ("listUserIntegrations (8 cached)", 1), figure: \.p50Microseconds)
    }

    func close() {
        tls.client.close()
        cluster.close()
    }
}
