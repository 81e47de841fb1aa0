import Foundation
import Redis
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisConnectionTests {
    @Test func wrongPasswordFailsWithRedisText() async throws {
        let server = try PrivateRedis(extraArguments: ["--requirepass", "right-password"])
        try await server.start()
        let wrong = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, password: "wrong-password"))
        let error = await #expect(throws: RedisError.self) { try await wrong.ping() }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("WRONGPASS") == true)
        #expect(error?.message.contains("wrong-password") == false)

        let right = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, password: "right-password"))
        try await right.ping()
    }

    @Test func missingPasswordIsRefusedByTheServer() async throws {
        let server = try PrivateRedis(extraArguments: ["--requirepass", "right-password"])
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port))
        let error = await #expect(throws: RedisError.self) { try await client.get("k") }
        #expect(error?.message.hasPrefix("NOAUTH") == true)
    }

    @Test func aclUserAuthenticatesWithUsernameAndPassword() async throws {
        let server = try PrivateRedis(extraArguments: ["--user", "app", "on", ">app-password", "~*", "+@all"])
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, username: "app", password: "app-password"))
        try await client.set("k", Data("v"))
        #expect(try await client.get("k") == Data("v"))
    }

    @Test func unreachableServerFailsToConnect() async throws {
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: LocalPorts.free(), connectTimeout: .milliseconds(500)))
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .connectionFailed)
    }

    @Test func clientRecoversAfterTheServerRestarts() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 2))
        try await client.set("before", Data("1"))

        server.process.kill()
        await #expect(throws: RedisError.self) { try await client.get("before") }

        try await server.start()
        try await client.set("after", Data("2"))
        #expect(try await client.get("after") == Data("2"))
        #expect(try await client.get("before") == nil)
    }

    @Test func idlePooledConnectionsSurviveARestartUnnoticed() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        try await client.ping()
        server.process.kill()
        try await server.start()
        try await client.ping()
    }

    @Test func concurrentCallersArePipelinedOnAtMostPoolSizeConnectionsAndGetTheirOwnReplies() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_000 {
                group.addTask {
                    let replies = try await client.pipeline([.set("k\(index)", Data("v\(index)")), .get("k\(index)"), .get("missing")])
                    #expect(replies == [.status("OK"), .bulk(Data("v\(index)")), .null])
                }
            }
            try await group.waitForAll()
        }
        let clients = try #require(try await client.send(RedisCommand("INFO", "clients")).string)
        let connections = clients.split(whereSeparator: \.isNewline).first { $0.hasPrefix("connected_clients:") }
        #expect(connections.flatMap { Int($0.split(separator: ":")[1]) }.map { $0 <= 2 } == true)
    }

    @Test func loneAndConcurrentCallersMixedNeverWaitForATimer() async throws {
        let server = try PrivateRedis()
        try await server.start()
        // A reply the event loop overlooked arrives only with the loop's timer, the 20 s timeout;
        // the bound leaves room for a machine loaded by the whole suite (1.1 s seen there).
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 2, commandTimeout: .seconds(20)))
        try await client.set("k", Data("v"))
        let slowest = try await withThrowingTaskGroup(of: Duration.self) { group in
            group.addTask {
                var slowest = Duration.zero
                for _ in 0..<3_000 {
                    let started = ContinuousClock.now
                    let value = try await client.get("k")
                    #expect(value == Data("v"))
                    slowest = max(slowest, ContinuousClock.now - started)
                }
                return slowest
            }
            group.addTask {
                var slowest = Duration.zero
                for burst in 0..<300 {
                    let started = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { writers in
                        for index in 0..<3 { writers.addTask { try await client.set("b\(burst)-\(index)", Data("1")) } }
                        try await writers.waitForAll()
                    }
                    slowest = max(slowest, ContinuousClock.now - started)
                    try await Task.sleep(for: .microseconds(Int.random(in: 0...300)))
                }
                return slowest
            }
            return try await group.reduce(Duration.zero) { max($0, $1) }
        }
        #expect(slowest < .seconds(5))
    }

    @Test func aReplyLaterThanTheCommandTimeoutFailsAndTheNextCommandWorks() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 1, commandTimeout: .milliseconds(300)))
        let started = ContinuousClock.now
        let error = await #expect(throws: RedisError.self) { try await client.send(RedisCommand("BLPOP", "empty-list", "5")) }
        #expect(error?.code == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(2))
        try await client.set("after", Data("1"))
        #expect(try await client.get("after") == Data("1"))
    }

    @Test func aConnectionTheServerClosesIsReplacedUnnoticed() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        try await client.set("k", Data("v"))
        let killer = RedisClient(configuration: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        let clientID = try #require(try await client.send(RedisCommand("CLIENT", "ID")).integer)
        #expect(try await killer.send(RedisCommand("CLIENT", "KILL", "ID", "\(clientID)")).integer == 1)
        #expect(try await client.get("k") == Data("v"))
    }

    @Test func closedClientRejectsCommands() async throws {
        let redis = try SharedRedis()
        redis.client.close()
        let error = await #expect(throws: RedisError.self) { try await redis.client.ping() }
        #expect(error?.code == .shutdown)
    }
}
