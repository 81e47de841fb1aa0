import Foundation
import Redis
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisConnectionTests {
    @Test func wrongPasswordFailsWithRedisText() async throws {
        let server = try PrivateRedis(extraArguments: ["--requirepass", "right-password"])
        try await server.start()
        let wrong = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, password: "wrong-password"))
        let error = await #expect(throws: RedisError.self) { try await wrong.ping() }
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("WRONGPASS") == true)
        #expect(error?.message.contains("wrong-password") == false)

        let right = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, password: "right-password"))
        try await right.ping()
    }

    @Test func missingPasswordIsRefusedByTheServer() async throws {
        let server = try PrivateRedis(extraArguments: ["--requirepass", "right-password"])
        try await server.start()
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port))
        let error = await #expect(throws: RedisError.self) { try await client.get("k") }
        #expect(error?.message.hasPrefix("NOAUTH") == true)
    }

    @Test func aclUserAuthenticatesWithUsernameAndPassword() async throws {
        let server = try PrivateRedis(extraArguments: ["--user", "app", "on", ">app-password", "~*", "+@all"])
        try await server.start()
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: server.port, username: "app", password: "app-password"))
        try await client.set("k", Data("v"))
        #expect(try await client.get("k") == Data("v"))
    }

    @Test func unreachableServerFailsToConnect() async throws {
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: LocalPorts.free(), connectTimeout: .milliseconds(500)))
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .connectionFailed)
    }

    @Test func clientRecoversAfterTheServerRestarts() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 2))
        try await client.set("before", Data("1"))

        await server.process.kill()
        await #expect(throws: RedisError.self) { try await client.get("before") }

        try await server.start()
        try await client.set("after", Data("2"))
        #expect(try await client.get("after") == Data("2"))
        #expect(try await client.get("before") == nil)
    }

    @Test func idlePooledConnectionsSurviveARestartUnnoticed() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        try await client.ping()
        await server.process.kill()
        try await server.start()
        try await client.ping()
    }

    @Test func concurrentCallersArePipelinedOnAtMostPoolSizeConnectionsAndGetTheirOwnReplies() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 2))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<1_000 {
                group.addTask {
                    let replies = try await client.pipeline([
                        .set("k\(index)", Data("v\(index)")), .get("k\(index)"), .get("missing"),
                    ])
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
        // A reply the event loop overlooked arrives only with the loop's timer, the command timeout
        // (60 s here). The bound is half of that: a loaded machine slows a command by a second or so
        // (1.1 s seen under the whole suite), never by tens of seconds.
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: server.port, poolSize: 2, commandTimeout: .seconds(60)))
        defer { client.close() }
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
        print("redis mixed callers: the slowest call took \(slowest)")
        #expect(slowest < .seconds(30))
    }

    @Test func aReplyLaterThanTheCommandTimeoutFailsAndTheNextCommandWorks() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(
            patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1, commandTimeout: .milliseconds(300)))
        defer { client.close() }
        // BLPOP blocks for 30 s: a timeout that did not fire shows as BLPOP's nil reply, not as `timedOut`.
        let error = await #expect(throws: RedisError.self) {
            try await client.send(RedisCommand("BLPOP", "empty-list", "30"))
        }
        #expect(error?.code == .timedOut)
        // The same client works again. On a loaded machine a command may itself take longer than
        // 300 ms and time out too: such an attempt is retried (any other failure fails the test).
        // Each attempt writes a key of its own, so a late reply handed to the wrong caller (the
        // BLPOP's, or an earlier attempt's) shows as a mismatch.
        var succeeded = 0
        for attempt in 0..<20 {
            let key = "after-\(attempt)"
            let value = Data("value-\(attempt)")
            do {
                try await client.set(key, value)
                let read = try await client.get(key)
                #expect(read == value, "attempt \(attempt) read back another command's reply")
                succeeded += 1
                break
            } catch let error as RedisError where error.code == .timedOut {
                print("redis after a timeout: attempt \(attempt) timed out too (\(error.message))")
            }
        }
        #expect(succeeded == 1, "no SET and GET succeeded on the client after its timeout in 20 attempts")
    }

    @Test func aConnectionTheServerClosesIsReplacedUnnoticed() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let client = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
        try await client.set("k", Data("v"))
        let killer = RedisClient(patient: .init(host: "127.0.0.1", port: server.port, poolSize: 1))
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
