public import Logging

/// A Redis client over hiredis, for one server or a Redis Cluster (`Configuration.cluster`).
///
/// Commands from any number of callers are pipelined on up to `poolSize` connections per server
/// (see `RedisNode`). In a cluster each command goes to the master of its key's slot, following
/// `MOVED` and `ASK` (see `RedisCluster`).
public final class RedisClient: Sendable {
    public let configuration: Configuration
    private let backend: Backend

    private enum Backend {
        case server(RedisNode)
        case cluster(RedisCluster)
    }

    public init(configuration: Configuration) {
        self.configuration = configuration
        backend =
            configuration.cluster
            ? .cluster(RedisCluster(seed: configuration)) : .server(RedisNode(configuration: configuration))
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: `RedisError` with code `serverError` (or `permissionDenied`) and Redis's text for
    ///   an error reply.
    public func send(_ command: RedisCommand, logger: Logger? = nil) async throws -> RedisValue {
        let reply = try await pipeline([command], logger: logger)[0]
        if case .error(let text) = reply {
            throw RedisError.reply(text)
        }
        return reply
    }

    /// Sends several commands in one round trip (one per master in a cluster) and returns their
    /// replies in order; an error reply stands in its place as `.error` rather than failing the others.
    public func pipeline(_ commands: [RedisCommand], logger: Logger? = nil) async throws -> [RedisValue] {
        switch backend {
        case .server(let node): try await node.pipeline(commands, logger: logger)
        case .cluster(let cluster): try await cluster.pipeline(commands, logger: logger)
        }
    }

    /// Runs `body` on the server, or on every master of the cluster in turn: where keyspace-wide
    /// commands (`PING` for health, `SCAN`) go. A failure refreshes the cluster's map, so that a
    /// failed-over master is not asked again once the cluster names its replacement.
    func onEveryServer<T>(_ body: (RedisNode) async throws -> T) async throws -> [T] {
        switch backend {
        case .server(let node): return [try await body(node)]
        case .cluster(let cluster):
            var results: [T] = []
            for master in try await cluster.masters() {
                do {
                    results.append(try await body(master))
                } catch {
                    cluster.scheduleRefresh()
                    throw error
                }
            }
            return results
        }
    }

    /// Closes every connection; later commands fail with `RedisError.Code.shutdown`.
    public func close() {
        switch backend {
        case .server(let node): node.close()
        case .cluster(let cluster): cluster.close()
        }
    }
}
