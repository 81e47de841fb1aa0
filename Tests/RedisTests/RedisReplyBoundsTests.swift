import Foundation
import Redis
import TestEnvironment
import Testing

/// Replies past `maxReplyBytes` or `maxReplyDepth` are refused and their connection dropped, so a
/// broken or hostile server cannot make the client's memory grow.
@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisReplyBoundsTests {
    @Test func aValueLargerThanTheLimitIsRefusedAndTheClientGoesOn() async throws {
        let redis = try SharedRedis()
        defer { redis.client.close() }
        try await redis.client.set(redis.key("large"), Data(repeating: 7, count: 2 << 20))
        try await redis.client.set(redis.key("small"), Data("v"))
        let bounded = RedisClient(
            patient: .init(
                host: redis.client.configuration.host, port: redis.client.configuration.port, poolSize: 1,
                maxReplyBytes: 1 << 20))
        defer { bounded.close() }
        let error = await #expect(throws: RedisError.self) { try await bounded.get(redis.key("large")) }
        #expect(error?.code == .replyRefused)
        #expect(error?.message.contains("over the limit of 1048576 bytes") == true)
        #expect(try await bounded.get(redis.key("small")) == Data("v"))
    }

    @Test func aClaimedFourGiBBulkStringIsRefusedBeforeItArrives() async throws {
        // The server would go on sending for as long as the client read.
        let server = try HostileServer(reply: "$4294967296\r\n", stream: "x")
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .replyRefused)
        #expect(error?.message.contains("a bulk string of 4294967296 bytes") == true)
        // Dropped at once: what the server got out is what the socket buffers took, not the limit.
        #expect(await server.bytesSent() < 16 << 20)
    }

    @Test func anEndlessArrayIsRefusedAtTheLimit() async throws {
        let server = try HostileServer(reply: "*2000000000\r\n", stream: ":1\r\n")
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .replyRefused)
    }

    @Test func anArrayFilledElementByElementIsRefusedAtTheLimit() async throws {
        let server = try HostileServer(reply: "*1000000\r\n", stream: ":1\r\n")
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1, maxReplyBytes: 1 << 20))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .replyRefused)
        #expect(await server.bytesSent() < 16 << 20)
    }

    @Test func nestingDeeperThanTheLimitIsRefused() async throws {
        let server = try HostileServer(reply: String(repeating: "*1\r\n", count: 3) + ":1\r\n")
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1, maxReplyDepth: 2))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .replyRefused)
        #expect(error?.message.contains("nested deeper than 2 levels") == true)
    }
}
