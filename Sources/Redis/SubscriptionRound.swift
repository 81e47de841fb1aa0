import Synchronization

/// One round of invalidation subscriptions, one per server (every master of a cluster): live
/// together, interrupted together when any of them fails or the cluster's masters change.
final class SubscriptionRound: Sendable {
    let servers: Int
    private let state = Mutex<(connections: [RedisConnection], interrupted: Bool, live: Int)>(([], false, 0))

    init(servers: Int) {
        self.servers = servers
    }

    /// Adds a subscriber's connection; `false` when the round is already interrupted.
    func register(_ connection: RedisConnection) -> Bool {
        state.withLock { state in
            if state.interrupted { return false }
            state.connections.append(connection)
            return true
        }
    }

    /// Notes one more live subscription; `true` for the one that makes them all live.
    func becameLive() -> Bool {
        state.withLock { state in
            state.live += 1
            return state.live == servers
        }
    }

    /// Shuts down every subscriber's connection, and those registered later.
    func interrupt() {
        let connections = state.withLock { state in
            state.interrupted = true
            return state.connections
        }
        connections.forEach { $0.interrupt() }
    }
}
