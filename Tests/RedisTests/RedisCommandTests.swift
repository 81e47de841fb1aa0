import Foundation
import Redis
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisCommandTests {
    @Test func pingAnswers() async throws {
        try await SharedRedis().client.ping()
    }

    @Test func setThenGetReturnsTheValue() async throws {
        let redis = try SharedRedis()
        try await redis.client.set(redis.key("a"), Data("value-1"))
        #expect(try await redis.client.get(redis.key("a")) == Data("value-1"))
        #expect(try await redis.client.get(redis.key("missing")) == nil)
    }

    @Test func valuesAreBinarySafe() async throws {
        let redis = try SharedRedis()
        let bytes = Data([0, 1, 2, 255, 0, 13, 10, 0])
        try await redis.client.set(redis.key("binary"), bytes)
        #expect(try await redis.client.get(redis.key("binary")) == bytes)
    }

    @Test func setWithSecondsOrMillisecondsExpires() async throws {
        let redis = try SharedRedis()
        try await redis.client.set(redis.key("ex"), Data("v"), expiration: .seconds(100))
        let ttl = try await redis.client.ttl(redis.key("ex"))
        #expect((95...100).contains(ttl))
        try await redis.client.set(redis.key("px"), Data("v"), expiration: .milliseconds(50))
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await redis.client.get(redis.key("px")) == nil)
    }

    @Test func ttlReportsNoExpiryAndMissingKeys() async throws {
        let redis = try SharedRedis()
        try await redis.client.set(redis.key("forever"), Data("v"))
        #expect(try await redis.client.ttl(redis.key("forever")) == -1)
        #expect(try await redis.client.ttl(redis.key("missing")) == -2)
        #expect(try await redis.client.expire(redis.key("forever"), seconds: 30))
        #expect(try await redis.client.ttl(redis.key("forever")) > 0)
        #expect(try await redis.client.expire(redis.key("missing"), seconds: 30) == false)
    }

    @Test func deleteAndUnlinkCountRemovedKeys() async throws {
        let redis = try SharedRedis()
        for name in ["a", "b", "c"] { try await redis.client.set(redis.key(name), Data(name)) }
        #expect(try await redis.client.delete([redis.key("a"), redis.key("b"), redis.key("missing")]) == 2)
        #expect(try await redis.client.unlink([redis.key("c")]) == 1)
        #expect(try await redis.client.get(redis.key("c")) == nil)
    }

    @Test func mgetReturnsValuesInOrderWithNilForMissing() async throws {
        let redis = try SharedRedis()
        try await redis.client.set(redis.key("1"), Data("one"))
        try await redis.client.set(redis.key("3"), Data("three"))
        let values = try await redis.client.mget([redis.key("1"), redis.key("2"), redis.key("3")])
        #expect(values == [Data("one"), nil, Data("three")])
    }

    @Test func scanFindsEveryMatchingKey() async throws {
        let redis = try SharedRedis()
        let names = (0..<120).map { redis.key("scan:\($0)") }
        _ = try await redis.client.pipeline(names.map { .set($0, Data("x")) })
        let found = try await redis.client.scanAll(match: redis.prefix + "scan:*", count: 25)
        #expect(Set(found) == Set(names))
    }

    @Test func pipelineReturnsRepliesInOrderWithErrorsInPlace() async throws {
        let redis = try SharedRedis()
        let replies = try await redis.client.pipeline([
            .set(redis.key("p"), Data("1")),
            RedisCommand("LPUSH", redis.key("list"), "x"),
            .get(redis.key("list")),
            .get(redis.key("p")),
        ])
        #expect(replies.count == 4)
        #expect(replies[0] == .status("OK"))
        #expect(replies[1] == .integer(1))
        guard case .error(let text) = replies[2] else {
            Issue.record("expected an error reply, got \(replies[2])")
            return
        }
        #expect(text.hasPrefix("WRONGTYPE"))
        #expect(replies[3] == .bulk(Data("1")))
    }

    @Test func errorRepliesThrowWithRedisText() async throws {
        let redis = try SharedRedis()
        _ = try await redis.client.send(RedisCommand("LPUSH", redis.key("list"), "x"))
        let error = await #expect(throws: RedisError.self) { try await redis.client.get(redis.key("list")) }
        #expect(error?.code == .serverError)
        #expect(error?.message.hasPrefix("WRONGTYPE") == true)
    }

    @Test func selectIsolatesDatabases() async throws {
        let db0 = try SharedRedis(database: 0)
        let db5 = try SharedRedis(database: 5)
        try await db5.client.set(db0.key("x"), Data("in-5"))
        #expect(try await db0.client.get(db0.key("x")) == nil)
        #expect(try await db5.client.get(db0.key("x")) == Data("in-5"))
    }

    @Test func manyConcurrentCommandsShareASmallPool() async throws {
        let redis = try SharedRedis(poolSize: 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await redis.client.set(redis.key("c\(index)"), Data("\(index)"))
                    let value = try await redis.client.get(redis.key("c\(index)"))
                    #expect(value == Data("\(index)"))
                }
            }
            try await group.waitForAll()
        }
    }
}

struct RedisWireFormTests {
    @Test func commandsAreArraysOfBulkStringsOneAfterAnother() {
        let wire = RedisCommand.wireForm(of: [RedisCommand("SET", "key", ""), .get("key")])
        #expect(
            String(decoding: wire, as: UTF8.self)
                == "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n")
    }

    @Test func binaryArgumentsAreSentAsTheyAre() {
        let value = Data([0, 13, 10, 255])
        let wire = RedisCommand.wireForm(of: [.set("k", value)])
        #expect(Array(wire.suffix(6)) == [0, 13, 10, 255, 13, 10])
    }
}

struct RedisConfigurationRedactionTests {
    @Test func thePasswordNeverShows() {
        let configuration = RedisClient.Configuration(host: "redis", username: "app", password: "leak-marker-7f3a")
        for text in everyRendering(of: configuration) {
            #expect(!text.contains("leak-marker-7f3a"), "\(text)")
            #expect(text.contains("redis"))
        }
    }
}
