import Foundation
import Testing

@testable import Redis

/// The slot map read from a `CLUSTER SLOTS` reply, without a server.
struct ClusterSlotMapTests {
    static let asked = ClusterTopology.Node(host: "127.0.0.1", port: 7000)

    static func range(_ slots: ClosedRange<Int>, host: String) -> RedisValue {
        .array([
            .integer(slots.lowerBound), .integer(slots.upperBound), .array([.bulk(Data(host.utf8)), .integer(7000)]),
        ])
    }

    @Test func eachSlotMapsToTheMasterOfItsRangeAndAnEmptyHostIsTheNodeAsked() throws {
        let reply = RedisValue.array([Self.range(0...8191, host: "10.0.0.1"), Self.range(8192...16383, host: "")])
        let topology = try ClusterTopology(clusterSlots: reply, askedNode: Self.asked)
        #expect(topology.master(forSlot: 8191) == .init(host: "10.0.0.1", port: 7000))
        #expect(topology.master(forSlot: 8192) == Self.asked)
    }

    /// Found probing fuzz-redis-reply past its input size: a 1.1 MB reply naming 32,769 masters
    /// trapped converting the last one's index to `Int16`.
    @Test func aReplyWithMoreRangesThanSlotsIsRefused() {
        let reply = RedisValue.array((0...32768).map { Self.range(0...0, host: "h\($0)") })
        #expect(throws: RedisError.self) { try ClusterTopology(clusterSlots: reply, askedNode: Self.asked) }
    }
}
