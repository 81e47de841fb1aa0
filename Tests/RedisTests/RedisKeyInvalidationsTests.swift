import Foundation
import Redis
import Synchronization
import TestEnvironment
import Testing

/// Key-invalidation notifications from the real redis-server.
@Suite(.enabled(if: TestEnvironment.shouldRun(.redis)))
struct RedisKeyInvalidationsTests {
    /// Collects notifications, and waits for one that satisfies a condition.
    ///
    /// The wait returns as soon as the condition holds; its limit only turns a notification that
    /// never comes into a failure with a message, so it is generous for a machine under load.
    final class Inbox: Sendable {
        let received = Mutex<[RedisKeyInvalidations.Notification]>([])

        func add(_ notification: RedisKeyInvalidations.Notification) { received.withLock { $0.append(notification) } }

        func keys() -> [String] {
            received.withLock { $0.flatMap { if case .keys(let keys) = $0 { keys } else { [String]() } } }
        }

        func waitFor(
            timeout: Duration = .seconds(60), _ condition: ([RedisKeyInvalidations.Notification]) -> Bool
        ) async throws {
            let deadline = ContinuousClock.now + timeout
            while !condition(received.withLock { $0 }) {
                guard ContinuousClock.now < deadline else {
                    throw RedisError(code: .timedOut, message: "no such notification: \(received.withLock { $0 })")
                }
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    static func everythingCount(_ notifications: [RedisKeyInvalidations.Notification]) -> Int {
        notifications.filter { $0 == .everything }.count
    }

    @Test func writesDeletesAndExpiriesUnderThePrefixAreReported() async throws {
        let redis = try SharedRedis()
        let inbox = Inbox()
        let invalidations = RedisKeyInvalidations(configuration: redis.client.configuration, prefixes: [redis.prefix])
        let subscription = Task { await invalidations.run(inbox.add) }
        defer { subscription.cancel() }
        try await inbox.waitFor { Self.everythingCount($0) == 1 }

        let written = ContinuousClock.now
        try await redis.client.set(redis.key("a"), Data("1"))
        try await inbox.waitFor { _ in inbox.keys().contains(redis.key("a")) }
        print("redis invalidation: a SET arrived after \(ContinuousClock.now - written)")
        try await redis.client.set("elsewhere:\(UUID())", Data("1"))
        _ = try await redis.client.delete([redis.key("missing")])
        try await redis.client.set(redis.key("short"), Data("1"), expiration: .milliseconds(50))
        // Redis's active expiry samples keys at random, which can take seconds in a Redis that holds
        // many expiring keys (the whole suite's); a read of the expired key expires it at once.
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await redis.client.get(redis.key("short")) == nil)
        try await inbox.waitFor { _ in inbox.keys().filter { $0 == redis.key("short") }.count == 2 }
        _ = try await redis.client.delete([redis.key("a")])
        try await inbox.waitFor { _ in inbox.keys().filter { $0 == redis.key("a") }.count == 2 }
        #expect(Set(inbox.keys()) == [redis.key("a"), redis.key("short")])
    }

    @Test func cancellationEndsTheSubscription() async throws {
        let redis = try SharedRedis()
        let inbox = Inbox()
        let invalidations = RedisKeyInvalidations(configuration: redis.client.configuration, prefixes: [redis.prefix])
        let subscription = Task { await invalidations.run(inbox.add) }
        // A second subscription to the same prefix stays on: once it has the write's notification,
        // Redis has sent that write's notification to every subscriber it still tracks.
        let witnessInbox = Inbox()
        let witness = RedisKeyInvalidations(configuration: redis.client.configuration, prefixes: [redis.prefix])
        let witnessSubscription = Task { await witness.run(witnessInbox.add) }
        defer { witnessSubscription.cancel() }
        try await inbox.waitFor { Self.everythingCount($0) == 1 }
        try await witnessInbox.waitFor { Self.everythingCount($0) == 1 }
        subscription.cancel()
        await subscription.value
        try await redis.client.set(redis.key("after"), Data("1"))
        try await witnessInbox.waitFor { _ in witnessInbox.keys().contains(redis.key("after")) }
        try await Task.sleep(for: .milliseconds(100))  // and a moment for a delivery on another thread
        #expect(inbox.keys().isEmpty)
    }

    @Test func aRefusedSubscribeIsReportedLostNotLive() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let configuration = RedisClient.Configuration(host: "127.0.0.1", port: server.port).patient
        _ = try await RedisClient(configuration: configuration).send(
            RedisCommand("ACL", "SETUSER", "default", "-subscribe"))
        let inbox = Inbox()
        let invalidations = RedisKeyInvalidations(
            configuration: configuration, prefixes: ["p:"], retryDelay: .milliseconds(100))
        let subscription = Task { await invalidations.run(inbox.add) }
        defer { subscription.cancel() }
        try await inbox.waitFor { $0.filter { $0 == .lost }.count >= 2 }
        #expect(Self.everythingCount(inbox.received.withLock { $0 }) == 0)
    }

    @Test func aRestartedRedisIsReportedLostThenResubscribedAsEverything() async throws {
        let server = try PrivateRedis()
        try await server.start()
        let inbox = Inbox()
        let configuration = RedisClient.Configuration(host: "127.0.0.1", port: server.port).patient
        let invalidations = RedisKeyInvalidations(
            configuration: configuration, prefixes: ["p:"], retryDelay: .milliseconds(100))
        let subscription = Task { await invalidations.run(inbox.add) }
        defer { subscription.cancel() }
        try await inbox.waitFor { Self.everythingCount($0) == 1 }
        await server.process.kill()
        try await inbox.waitFor { $0.contains(.lost) }
        #expect(inbox.received.withLock { $0.first } == .everything)
        try await server.start()
        try await inbox.waitFor { Self.everythingCount($0) == 2 }
        let client = RedisClient(configuration: configuration)
        try await client.set("p:after-restart", Data("1"))
        try await inbox.waitFor { _ in inbox.keys() == ["p:after-restart"] }
    }
}
