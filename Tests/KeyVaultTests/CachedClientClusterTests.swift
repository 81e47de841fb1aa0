import Foundation
import Redis
import Synchronization
import TestEnvironment
import Testing

@testable import KeyVault

/// The library on a Redis Cluster, configured as users configure it (`REDIS_CLUSTER=true` and a
/// seed node): the shared cluster for cache-aside, lists and L1 coherence; a private one for a
/// master's failover.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redisCluster)))
struct CachedClientClusterTests {
    /// A client seeded by `port` as an ACL user, or over TLS (the seed named `localhost`) trusting
    /// `caFile`; `patient`: with the tests' command timeout, where no failure is under test (a
    /// stalled suite must not count as a cache error).
    static func client(
        seed port: Int, l1: Bool = false, acl: RedisACLUser? = nil, caFile: String? = nil, patient: Bool = false
    ) throws -> CachedClient {
        var config = try LibraryTestSupport.cachedConfig()
        let credentials = acl.map { "\($0.username):\($0.password)@" } ?? ""
        let seed = caFile == nil ? "redis://\(credentials)127.0.0.1:\(port)" : "rediss://localhost:\(port)"
        config.redis = try RedisEnvironmentTests.redis(
            ["REDIS_URL": seed, "REDIS_CLUSTER": "true"].merging(caFile.map { ["REDIS_CA_FILE": $0] } ?? [:]) { $1 })
        if patient { config.redis.commandTimeout = TestEnvironment.redisCommandTimeout }
        if acl != nil { config.cachePrefix = "keyvault:" }
        config.l1CacheSize = l1 ? 64 : 0
        return try CachedClient(config: config)
    }

    /// An app process with the in-process cache and another that writes, on the same cluster.
    static func readerAndWriter(
        seed: Int, acl: RedisACLUser? = nil, caFile: String? = nil, patient: Bool = false
    ) throws -> (reader: CachedClient, writer: CachedClient) {
        let reader = try client(seed: seed, l1: true, acl: acl, caFile: caFile, patient: patient)
        var config = reader.config
        config.l1CacheSize = 0
        return (reader, try CachedClient(config: config))
    }

    /// Each slot range and the port of its master, as the node on `seed` sees them.
    static func slotMap(seed: Int) async throws -> [(slots: ClosedRange<Int>, master: Int)] {
        let node = RedisClient(patient: .init(host: "127.0.0.1", port: seed, poolSize: 1))
        defer { node.close() }
        return try await node.send(RedisCommand("CLUSTER", "SLOTS")).array?.compactMap { range in
            guard let parts = range.array, let first = parts[0].integer, let last = parts[1].integer,
                let master = parts[2].array?[1].integer
            else { return nil }
            return (first...last, master)
        } ?? []
    }

    /// Whether `client` reads every one of `names` from Redis (each a cache hit).
    static func servedFromRedis(_ client: CachedClient, _ names: [String]) async throws -> Bool {
        let hits = client.cacheStats().hits
        for name in names { _ = try await client.getSecret(name) }
        return client.cacheStats().hits == hits + names.count
    }

    /// The ports of the masters serving slots, as the node on `seed` sees them.
    static func servingMasters(seed: Int) async throws -> Set<Int> {
        Set(try await slotMap(seed: seed).map(\.master))
    }

    /// The port of the master that serves each key, as the cluster itself says.
    static func masters(of keys: [String], seed: Int) async throws -> [Int] {
        let map = try await slotMap(seed: seed)
        let node = RedisClient(patient: .init(host: "127.0.0.1", port: seed, poolSize: 1))
        defer { node.close() }
        var masters: [Int] = []
        for key in keys {
            let slot = try await node.send(RedisCommand("CLUSTER", "KEYSLOT", key)).integer ?? -1
            masters.append(map.first { $0.slots.contains(slot) }?.master ?? -1)
        }
        return masters
    }

    @Test func aListOfEightIntegrationsIsServedFromEveryMaster() async throws {
        let ports = try TestEnvironment.redisClusterPorts()
        let client = try Self.client(seed: ports[0], patient: true)
        defer { client.close() }
        let user = LibraryTestSupport.uniqueUser()
        for type in IntegrationType.allCases {
            _ = try await client.setUserIntegration(userID: user, type: type, value: "cluster-value-\(type.rawValue)")
        }
        // The eight keys keep the fixed format, so they spread over the masters' slots.
        let keys = IntegrationType.allCases.map { client.integrationKey(IntegrationKey(userID: user, type: $0)) }
        #expect(Set(try await Self.masters(of: keys, seed: ports[0])).count > 1)
        let first = try await client.listUserIntegrations(userID: user)
        #expect(first.allSatisfy { $0.status == .connected })
        let hitsBefore = client.cacheStats().hits
        let second = try await client.listUserIntegrations(userID: user)
        #expect(second.map(\.maskedKey) == first.map(\.maskedKey))
        #expect(client.cacheStats().hits - hitsBefore == IntegrationType.allCases.count)
        #expect(await client.health().healthy)
    }

    @Test(arguments: [false, true])
    func theInProcessCacheStaysCoherentOnEveryMaster(asTheLeastPrivilegedACLUser: Bool) async throws {
        let ports = try TestEnvironment.redisClusterPorts()
        let acl = asTheLeastPrivilegedACLUser ? try await RedisACLUser.create(on: ports) : nil
        let (reader, writer) = try Self.readerAndWriter(seed: ports[0], acl: acl, patient: true)
        defer { reader.close(); writer.close() }
        // Two secrets on each master.
        var names: [String] = []
        var perMaster: [Int: Int] = [:]
        while names.count < 6 {
            let name = LibraryTestSupport.uniqueName("cluster-l1")
            let master = try await Self.masters(of: [reader.secretKey(name)], seed: ports[0])[0]
            if perMaster[master, default: 0] < 2 {
                perMaster[master, default: 0] += 1
                names.append(name)
            }
        }
        for name in names { try await writer.setSecret(name, value: "first") }
        for name in names { #expect(try await CachedClientL1Tests.servedInProcess(reader, name)) }
        for name in names { try await writer.setSecret(name, value: "second") }
        for name in names {
            #expect(try await eventually { try await reader.getSecret(name).value == "second" })
        }
        #expect(reader.cacheStats().errors == 0)
        try await acl?.delete()
    }

    @Test func aMastersFailoverFailsNoReadAndTrackingResumes() async throws {
        let cluster = try await PrivateRedisCluster.start()
        defer { cluster.stop() }
        let ports = cluster.ports
        let victim = try await Self.masters(of: ["any"], seed: ports[0])[0]
        let seed = try #require(ports.first { $0 != victim })
        let (reader, writer) = try Self.readerAndWriter(seed: seed)
        defer { reader.close(); writer.close() }
        // Secrets until two of them live on the master that will fail.
        var names: [String] = []
        var onVictim: [String] = []
        while onVictim.count < 2 {
            let name = LibraryTestSupport.uniqueName("failover")
            try await writer.setSecret(name, value: "before-\(name)")
            names.append(name)
            if try await Self.masters(of: [writer.secretKey(name)], seed: seed)[0] == victim { onVictim.append(name) }
        }
        #expect(try await CachedClientL1Tests.servedInProcess(reader, onVictim[0]))

        // Eight callers read every secret in a loop through the failover; none may fail.
        let readNames = names
        let probe = try CachedClient(config: writer.config)
        defer { probe.close() }
        let load = FailoverLoad()
        let readers = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        while !load.stopped {
                            for name in readNames {
                                let value = try? await writer.getSecret(name).value
                                load.count(failed: value != "before-\(name)")
                            }
                        }
                    }
                }
            }
        }
        let killed = ContinuousClock.now
        cluster.kill(port: victim)
        // Ends when the promoted replica serves the victim's keys: both read back as cache hits.
        var promoted: Duration?
        let recovered = try await eventually(timeout: .seconds(120), every: .milliseconds(20)) {
            if promoted == nil, try await !Self.servingMasters(seed: seed).contains(victim) {
                promoted = ContinuousClock.now - killed
            }
            return try await Self.servedFromRedis(probe, onVictim) && promoted != nil
        }
        let firstHit = ContinuousClock.now - killed
        load.stop()
        await readers.value
        #expect(recovered)
        // The loaded client has its new map too (its failed reads refreshed it).
        #expect(try await eventually { try await Self.servedFromRedis(writer, onVictim) })
        #expect(load.reads > 0)
        #expect(load.failed == 0)
        #expect(probe.cacheStats().errors + writer.cacheStats().errors > 0)
        print(
            "redis cluster failover: a replica took over the killed master's slots \(promoted.map { "\($0)" } ?? "-") "
                + "after the kill; first cache hit on it after \(firstHit); \(load.reads) reads meanwhile, \(load.failed) failed"
        )
        // The reader made no call during the failover: its first on the old map fails and
        // refreshes the map (as any client's does, reading from the vault meanwhile).
        #expect(try await eventually { (try? await reader.redis.ping()) != nil })
        // The reader's invalidation tracking came back on the promoted master: a write there
        // reaches its in-process cache.
        #expect(try await CachedClientL1Tests.servedInProcess(reader, onVictim[1]))
        try await writer.setSecret(onVictim[1], value: "after")
        #expect(try await eventually { try await reader.getSecret(onVictim[1]).value == "after" })
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.redisTLS)))
    func aTLSOnlyClusterIsVerifiedAgainstTheSeedsName() async throws {
        // The nodes announce 127.0.0.1; their certificates name localhost only, as managed
        // clusters' nodes announce addresses behind a certificate for the name users connect to.
        let tls = try TestEnvironment.redisTLS()
        let cluster = try await PrivateRedisCluster.start(certificate: .named)
        defer { cluster.stop() }
        let (reader, writer) = try Self.readerAndWriter(seed: cluster.ports[0], caFile: tls.caFile)
        defer { reader.close(); writer.close() }
        let user = LibraryTestSupport.uniqueUser()
        for type in IntegrationType.allCases {
            _ = try await writer.setUserIntegration(userID: user, type: type, value: "tls-cluster-\(type.rawValue)")
        }
        _ = try await writer.listUserIntegrations(userID: user)
        let hits = writer.cacheStats().hits
        #expect(try await writer.listUserIntegrations(userID: user).allSatisfy { $0.status == .connected })
        #expect(writer.cacheStats().hits - hits == IntegrationType.allCases.count)
        #expect(await writer.health().healthy)
        // Tracking over TLS on every master.
        let name = IntegrationKey(userID: user, type: .alexa).secretName
        #expect(try await CachedClientL1Tests.servedInProcess(reader, name))
        _ = try await writer.setUserIntegration(userID: user, type: .alexa, value: "tls-cluster-changed")
        #expect(try await eventually { try await reader.getSecret(name).value == "tls-cluster-changed" })
        #expect(reader.cacheStats().errors == 0)
    }
}

/// Reads under load during a failover: how many, how many failed.
final class FailoverLoad: Sendable {
    private let state = Mutex((reads: 0, failed: 0, stopped: false))

    var reads: Int { state.withLock { $0.reads } }
    var failed: Int { state.withLock { $0.failed } }
    var stopped: Bool { state.withLock { $0.stopped } }

    func count(failed: Bool) {
        state.withLock {
            $0.reads += 1
            if failed { $0.failed += 1 }
        }
    }

    func stop() { state.withLock { $0.stopped = true } }
}
