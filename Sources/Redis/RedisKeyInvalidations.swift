import Foundation
public import Logging
import Synchronization

/// Redis's key-invalidation notifications for key prefixes (server-assisted client-side caching
/// in broadcast mode): one connection turns on `CLIENT TRACKING ... REDIRECT <itself> BCAST PREFIX
/// ...`, subscribes to `__redis__:invalidate`, and reports every key that anyone modifies, deletes
/// or lets expire under the prefixes. Works over RESP2 (hiredis 0.14). A Redis Cluster notifies
/// only of its own keys, so every master is subscribed to.
public final class RedisKeyInvalidations: Sendable {
    public enum Notification: Sendable, Equatable {
        /// These keys changed.
        case keys([String])
        /// Anything may have changed unseen: the subscription (re)started, or Redis flushed.
        case everything
        /// The subscription failed: changes go unreported until the next `.everything`.
        case lost
    }

    public let configuration: RedisClient.Configuration
    public let prefixes: [String]
    let retryDelay: Duration
    /// How often a cluster's masters are compared with those subscribed to.
    let topologyCheckInterval: Duration
    let logger: Logger
    private let round = Mutex<SubscriptionRound?>(nil)
    private let stopped = Mutex(false)

    public init(
        configuration: RedisClient.Configuration, prefixes: [String], retryDelay: Duration = .seconds(1),
        topologyCheckInterval: Duration = .seconds(5),
        logger: Logger = Logger(label: "redis", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.configuration = configuration
        self.prefixes = prefixes
        self.retryDelay = retryDelay
        self.topologyCheckInterval = topologyCheckInterval
        self.logger = logger
    }

    /// Delivers notifications to `handler` (on dedicated threads) until the task is cancelled.
    /// In a cluster every master is subscribed to, and the set of masters checked every
    /// `topologyCheckInterval`. When a connection fails (or cannot be made), or the masters
    /// change, it reports `.lost` at once, subscribes again after `retryDelay` (up to 32 times
    /// longer while the Redis ACL refuses it), then reports `.everything`.
    public func run(_ handler: @escaping @Sendable (Notification) -> Void) async {
        await withTaskCancellationHandler {
            var refusals = 0
            while !Task.isCancelled {
                do {
                    try await subscribeEverywhere(handler)
                } catch {
                    if Task.isCancelled { break }
                    refusals = (error as? RedisError)?.code == .permissionDenied ? refusals + 1 : 0
                    report(error, refusals: refusals)
                    handler(.lost)
                }
                // A missing ACL grant stays missing until an administrator acts: retry ever more slowly.
                try? await Task.sleep(for: refusals == 0 ? retryDelay : retryDelay * (1 << min(refusals, 5)))
            }
        } onCancel: {
            stopped.withLock { $0 = true }
            round.withLock { $0?.interrupt() }
        }
    }

    /// Logs a failed subscription; a refusal by the ACL once, as the error it is (the L1 cache and
    /// the operator's observe mode stay off until the grant is given).
    private func report(_ error: any Error, refusals: Int) {
        switch refusals {
        case 0:
            logger.warning("redis invalidation subscription lost; retrying", metadata: ["redis.error": "\(error)"])
        case 1:
            logger.error(
                "redis invalidation subscription refused by the Redis ACL; changes go unseen until it is granted",
                metadata: ["redis.error": "\(error)"])
        default:
            logger.debug("redis invalidation subscription still refused", metadata: ["redis.error": "\(error)"])
        }
    }

    /// One round: a subscription per server, until one fails or (in a cluster) the masters change.
    private func subscribeEverywhere(_ handler: @escaping @Sendable (Notification) -> Void) async throws {
        let servers = try await ClusterDiscovery(seed: configuration).servers()
        let current = SubscriptionRound(servers: servers.count)
        let interrupted = round.withLock { round in
            round = current
            return stopped.withLock { $0 }
        }
        if interrupted { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for server in servers {
                group.addTask {
                    let worker = BlockingWorker(name: "redis-invalidations")
                    defer { worker.stop() }
                    try await worker.run { try self.subscribe(to: server, in: current, handler) }
                }
            }
            if configuration.cluster {
                group.addTask { try await self.watchMasters(unchangedFrom: servers) }
            }
            do {
                for try await _ in group {}
            } catch {
                current.interrupt()
                throw error
            }
        }
    }

    /// Returns (by throwing) once the cluster's masters are no longer `subscribed`.
    private func watchMasters(unchangedFrom subscribed: [RedisClient.Configuration]) async throws {
        let known = Set(subscribed.map { "\($0.host):\($0.port)" })
        let worker = BlockingWorker(name: "redis-cluster-discovery")
        defer { worker.stop() }
        while true {
            try await Task.sleep(for: topologyCheckInterval)
            let masters = try await ClusterDiscovery(seed: configuration, known: subscribed).servers(on: worker)
            if Set(masters.map { "\($0.host):\($0.port)" }) != known {
                throw RedisError(code: .connectionLost, message: "the cluster's masters changed")
            }
        }
    }

    /// One subscription, on a worker thread, until its connection fails or is interrupted.
    private func subscribe(
        to server: RedisClient.Configuration, in round: SubscriptionRound,
        _ handler: @Sendable (Notification) -> Void
    ) throws {
        let subscriber = try RedisConnection(configuration: server)
        guard round.register(subscriber) else { return }
        guard let id = try subscriber.pipeline([RedisCommand("CLIENT", "ID")])[0].integer else {
            throw RedisError(code: .unexpectedReply, message: "CLIENT ID gave no integer")
        }
        let tracking =
            ["CLIENT", "TRACKING", "on", "REDIRECT", String(id), "BCAST"] + prefixes.flatMap { ["PREFIX", $0] }
        let replies = try subscriber.pipeline([
            RedisCommand(arguments: tracking.map { Data($0.utf8) }), RedisCommand("SUBSCRIBE", "__redis__:invalidate"),
        ])
        // A refused SUBSCRIBE (an ACL without it) must not be reported as a live subscription.
        for (command, reply) in zip(["CLIENT TRACKING", "SUBSCRIBE"], replies) {
            if case .error(let text) = reply {
                throw RedisError.reply(text, to: command)
            }
        }
        subscriber.waitForever()
        logger.debug(
            "redis invalidation subscription started",
            metadata: ["redis.prefixes": "\(prefixes)", "redis": "\(server.host):\(server.port)"])
        if round.becameLive() { handler(.everything) }
        while true {
            let message = try subscriber.nextReply()
            if let notification = Self.notification(from: message) { handler(notification) }
        }
    }

    /// `["message", "__redis__:invalidate", [keys] | nil]` as a notification; `nil` for anything else.
    static func notification(from message: RedisValue) -> Notification? {
        guard case .array(let parts) = message, parts.count == 3, parts[0].string == "message",
            parts[1].string == "__redis__:invalidate"
        else {
            return nil
        }
        switch parts[2] {
        case .array(let keys): return .keys(keys.compactMap(\.string))
        case .null: return .everything
        default: return nil
        }
    }
}
