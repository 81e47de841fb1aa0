import Foundation
import Redis
import TestEnvironment
import Testing

/// The client while a private Redis Cluster's topology changes under it: a slot migrating from
/// one master to another (`ASK`, then `MOVED`), and a master's failover.
@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisClusterTopologyTests {
    typealias Cluster = RedisClusterTests

    /// Sends `arguments` to the node on `port` and returns the reply.
    static func ask(_ port: Int, _ arguments: String...) async throws -> RedisValue {
        let node = Cluster.node(port)
        defer { node.close() }
        return try await node.send(RedisCommand(arguments: arguments.map { Data($0.utf8) }))
    }

    /// Whether the replica of the master on `port` has acknowledged every write the master took:
    /// its offset in the master's `INFO replication` has reached the master's own.
    static func replicaHasCaughtUp(_ port: Int) async throws -> Bool {
        let info = try await ask(port, "INFO", "replication").string ?? ""
        var fields: [String: String] = [:]
        for line in info.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        // slave0:ip=127.0.0.1,port=…,state=online,offset=N,lag=0
        let acknowledged = fields["slave0"]?.split(separator: ",").first { $0.hasPrefix("offset=") }
            .flatMap { Int($0.dropFirst("offset=".count)) }
        guard let acknowledged, let offset = fields["master_repl_offset"].flatMap({ Int($0) }) else { return false }
        return acknowledged >= offset
    }

    @Test func aMigratingSlotIsFollowedThroughAskThenMoved() async throws {
        let cluster = try await PrivateRedisCluster.start()
        defer { cluster.stop() }
        let client = Cluster.client(seed: cluster.ports[0])
        defer { client.close() }
        let key = "keyvault:user:migrating:weather"
        try await client.set(key, Data("v1".utf8))
        let masters = try await Cluster.masters(cluster.ports)
        let slot = try #require(try await Self.ask(masters[0], "CLUSTER", "KEYSLOT", key).integer)
        var source = 0
        for port in masters where try await Self.ask(port, "CLUSTER", "COUNTKEYSINSLOT", "\(slot)").integer == 1 {
            source = port
        }
        let target = try #require(masters.first { $0 != source })
        let sourceID = try #require(try await Self.ask(source, "CLUSTER", "MYID").string)
        let targetID = try #require(try await Self.ask(target, "CLUSTER", "MYID").string)

        _ = try await Self.ask(target, "CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", sourceID)
        _ = try await Self.ask(source, "CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", targetID)
        #expect(try await client.get(key) == Data("v1".utf8))
        _ = try await Self.ask(source, "MIGRATE", "127.0.0.1", "\(target)", "", "0", "5000", "KEYS", key)
        // The key has left the source: the source answers ASK, the client asks the target.
        let asked = try await Cluster.redirections(masters, "ASK")
        #expect(try await client.get(key) == Data("v1".utf8))
        #expect(try await Cluster.redirections(masters, "ASK") == asked + 1)

        for port in masters {
            _ = try await Self.ask(port, "CLUSTER", "SETSLOT", "\(slot)", "NODE", targetID)
        }
        // The slot is the target's for good: one MOVED, then the client goes there directly.
        let moved = try await Cluster.redirections(masters)
        #expect(try await client.get(key) == Data("v1".utf8))
        #expect(try await Cluster.redirections(masters) == moved + 1)
        try await client.set(key, Data("v2".utf8))
        #expect(try await client.get(key) == Data("v2".utf8))
        #expect(try await Cluster.redirections(masters) == moved + 1)
    }

    @Test func afterAMastersFailoverThePromotedReplicaServesItsSlots() async throws {
        let cluster = try await PrivateRedisCluster.start()
        defer { cluster.stop() }
        let masters = try await Cluster.masters(cluster.ports)
        let seed = try #require(cluster.ports.first { !masters.contains($0) })
        let client = Cluster.client(seed: seed)
        defer { client.close() }
        let keys = (0..<30).map { "keyvault:user:failover-\($0):weather" }
        for key in keys { try await client.set(key, Data(key.utf8)) }
        let victim = masters[0]
        let lost = try await Cluster.keysByMaster([victim], "keyvault:user:failover-*")[victim] ?? []
        #expect(!lost.isEmpty)
        // Replication is asynchronous: a write the replica has not acknowledged dies with a killed
        // master (on a loaded machine the kill can come first), and its key would be missing after
        // the failover, not unserved.
        try #require(
            try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                try await Self.replicaHasCaughtUp(victim)
            })

        cluster.kill(port: victim)
        // Until the replica is promoted the victim's keys fail (the cache-aside layer reads from
        // the vault meanwhile); then every key is served again, with no new client.
        let promoted = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
            for key in keys {
                guard (try? await client.get(key)) != nil else { return false }
            }
            return true
        }
        #expect(promoted)
        #expect(try await client.mget(keys) == keys.map { Data($0.utf8) })
        #expect(try await !Cluster.masters(cluster.ports.filter { $0 != victim }).contains(victim))
        for key in lost { try await client.set(key, Data("rewritten".utf8)) }
        #expect(try await client.mget(lost) == lost.map { _ in Data("rewritten".utf8) })
    }
}
