import Foundation
import Redis
import TestEnvironment
import Testing

/// The client against a real Redis Cluster (three masters, a replica each): the shared one for
/// routing, a private one for what disturbs it (slot migrations, failovers).
@Suite(.enabled(if: TestEnvironment.shouldRun(.redisCluster)))
struct RedisClusterTests {
    static func client(seed port: Int) -> RedisClient {
        RedisClient(patient: .init(host: "127.0.0.1", port: port, poolSize: 2, cluster: true))
    }

    /// A plain client for one node, to ask it what only it knows.
    static func node(_ port: Int) -> RedisClient {
        RedisClient(patient: .init(host: "127.0.0.1", port: port, poolSize: 1))
    }

    /// The ports of the masters, from the cluster's own `CLUSTER SLOTS`.
    static func masters(_ ports: [Int]) async throws -> [Int] {
        let seed = node(ports[0])
        defer { seed.close() }
        let ranges = try await seed.send(RedisCommand("CLUSTER", "SLOTS")).array ?? []
        return Array(Set(ranges.compactMap { $0.array?[2].array?[1].integer })).sorted()
    }

    /// The keys of `pattern` each master holds.
    static func keysByMaster(_ masters: [Int], _ pattern: String) async throws -> [Int: [String]] {
        var keys: [Int: [String]] = [:]
        for port in masters {
            let master = node(port)
            defer { master.close() }
            keys[port] = try await master.scanAll(match: pattern)
        }
        return keys
    }

    @Test func everyCommandReachesTheMasterOfItsKeysSlot() async throws {
        let ports = try TestEnvironment.redisClusterPorts()
        let client = Self.client(seed: ports.last!)
        defer { client.close() }
        let prefix = "test:\(UUID().uuidString):"
        let keys = (0..<60).map { "\(prefix)\($0)" }
        for key in keys { try await client.set(key, Data(key.utf8)) }

        // The keys spread over every master, each on the one the server's own hash names.
        let masters = try await Self.masters(ports)
        #expect(masters.count == 3)
        let held = try await Self.keysByMaster(masters, prefix + "*")
        #expect(held.values.allSatisfy { !$0.isEmpty }, "\(held.mapValues(\.count))")
        #expect(Set(held.values.joined()) == Set(keys))
        #expect(try await client.scanAll(match: prefix + "*").count == keys.count)

        // Multi-key commands across slots: split per key, answered as one server would.
        let values = try await client.mget(keys + ["\(prefix)missing"])
        #expect(values == keys.map { Data($0.utf8) } + [nil])
        let replies = try await client.pipeline(keys.prefix(8).map { .get($0) } + [.ping])
        #expect(replies.prefix(8).map(\.string) == keys.prefix(8).map { $0 })
        #expect(try await client.delete(keys + ["\(prefix)missing"]) == keys.count)
        #expect(try await client.mget(keys).allSatisfy { $0 == nil })
        try await client.ping()
    }

    /// How many `MOVED` redirections the masters have answered (`INFO errorstats`).
    static func redirections(_ masters: [Int], _ kind: String = "MOVED") async throws -> Int {
        var total = 0
        for port in masters {
            let master = node(port)
            defer { master.close() }
            let info = try await master.send(RedisCommand("INFO", "errorstats")).string ?? ""
            for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("errorstat_\(kind):count=") {
                total += Int(line.split(separator: "=").last ?? "") ?? 0
            }
        }
        return total
    }

    @Test func theClientHashesKeysAsTheServersDo() async throws {
        let ports = try TestEnvironment.redisClusterPorts()
        let masters = try await Self.masters(ports)
        let client = Self.client(seed: ports[0])
        defer { client.close() }
        // Hash tags included: `{u7}a` and `{u7}b` share a slot; `a{}b` and `{` hash whole.
        let keys =
            (0..<200).map { "keyvault:user:u\(UUID().uuidString.prefix(6))-\($0):weather" }
            + ["{u7}a", "{u7}b", "a{}b", "{}", "{", "x{y}z{w}"].map { "test:" + $0 + UUID().uuidString }
        let movedBefore = try await Self.redirections(masters)
        for key in keys { try await client.set(key, Data(key.utf8)) }
        #expect(try await client.mget(keys) == keys.map { Data($0.utf8) })
        #expect(try await client.delete(keys) == keys.count)
        // No master had to redirect: each command went straight to the master of its slot.
        #expect(try await Self.redirections(masters) == movedBefore)
    }

    @Test func writesOnEveryMasterAreNotified() async throws {
        let ports = try TestEnvironment.redisClusterPorts()
        let client = Self.client(seed: ports[0])
        defer { client.close() }
        let prefix = "test:\(UUID().uuidString):"
        let inbox = RedisKeyInvalidationsTests.Inbox()
        let invalidations = RedisKeyInvalidations(configuration: client.configuration, prefixes: [prefix])
        let subscription = Task { await invalidations.run(inbox.add) }
        defer { subscription.cancel() }
        try await inbox.waitFor { RedisKeyInvalidationsTests.everythingCount($0) == 1 }
        let keys = (0..<30).map { "\(prefix)\($0)" }
        let held = try await Self.keysByMaster(try await Self.masters(ports), prefix + "*")
        #expect(held.values.allSatisfy { $0.isEmpty })
        for key in keys { try await client.set(key, Data("1".utf8)) }
        try await inbox.waitFor { _ in Set(inbox.keys()) == Set(keys) }
        // All three masters held some of them: each master's notifications arrived.
        #expect(
            try await Self.keysByMaster(try await Self.masters(ports), prefix + "*").values.allSatisfy { !$0.isEmpty })
        _ = try await client.delete(keys)
    }
}
