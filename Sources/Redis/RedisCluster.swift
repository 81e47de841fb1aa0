import Logging
import Synchronization

/// A Redis Cluster seen from one seed: the slot map from `CLUSTER SLOTS`, a `RedisNode` (a pool
/// of pipelined connections) per master, and each command sent to the master of its key's slot.
///
/// A pipeline's commands go out as one pipeline per master, concurrently. `MOVED` moves the slot
/// in the map, retries the command there and refreshes the whole map in the background; `ASK`
/// retries it once on the node named, after `ASKING`. A broken connection refreshes the map too,
/// so that after a failover the promoted replica is used as soon as the cluster names it; the
/// commands in flight fail meanwhile (the cache-aside layer reads from the vault).
final class RedisCluster: Sendable {
    let seed: RedisClient.Configuration
    private let state = Mutex(State())
    private let refresh = Mutex<Task<Void, any Error>?>(nil)

    private struct State {
        var topology = ClusterTopology.empty
        var nodes: [ClusterTopology.Node: RedisNode] = [:]
        var closed = false
    }

    /// Redirections followed for one command before it fails.
    static let maximumRedirections = 5

    init(seed: RedisClient.Configuration) {
        self.seed = seed
    }

    /// The replies to `commands`, in order, each sent to the master of its key's slot. A multi-key
    /// `MGET`, `DEL` or `UNLINK` is split into one command per key and its replies merged.
    func pipeline(_ commands: [RedisCommand], logger: Logger?) async throws -> [RedisValue] {
        // Most calls are one command of one key: straight to its master, unless redirected.
        var answered: Answered?
        if commands.count == 1, let slot = ClusterSplit.slotUnsplit(commands[0]),
            let target = try await topology().master(forSlot: slot)
        {
            let reply = try await send([commands[0]], to: target)[0]
            if ClusterRedirection(reply) == nil { return [reply] }
            answered = (target, [0], [reply])
        }
        let split = commands.map(ClusterSplit.init)
        let replies = try await route(split.flatMap(\.parts), answered: answered)
        var merged: [RedisValue] = []
        merged.reserveCapacity(commands.count)
        var next = replies.startIndex
        for command in split {
            merged.append(command.merge(replies[next..<next + command.parts.count]))
            next += command.parts.count
        }
        return merged
    }

    /// Every master's pool, after the map has been loaded.
    func masters() async throws -> [RedisNode] {
        try await topology().masters.map(node)
    }

    /// The current map; loaded first when there is none.
    func topology() async throws -> ClusterTopology {
        let current = state.withLock { $0.topology }
        if !current.isEmpty { return current }
        try await refreshed().value
        return state.withLock { $0.topology }
    }

    func close() {
        let nodes = state.withLock { state in
            state.closed = true
            return Array(state.nodes.values)
        }
        nodes.forEach { $0.close() }
    }

    // MARK: Routing

    /// A node's replies to the commands at these indices.
    private typealias Answered = (node: ClusterTopology.Node, indices: [Int], replies: [RedisValue])

    /// One round per redirection: the pending commands grouped by node, sent concurrently. With
    /// `answered`, the first round's replies are those already received.
    private func route(_ commands: [ClusterSplit.Part], answered: Answered? = nil) async throws -> [RedisValue] {
        var replies = [RedisValue?](repeating: nil, count: commands.count)
        var asking: [Int: ClusterTopology.Node] = [:]
        var pending = Array(commands.indices)
        var received = answered.map { [$0] }
        for _ in 0...Self.maximumRedirections where !pending.isEmpty {
            let round: [Answered]
            if let received {
                round = received
            } else {
                let groups = try await groupedByNode(pending, commands, asking: asking, &replies)
                round = try await send(groups, commands, asking: asking)
            }
            received = nil
            pending = []
            for (target, indices, answers) in round {
                for (index, reply) in zip(indices, answers) {
                    switch ClusterRedirection(reply) {
                    case .moved(let slot, let node)?:
                        state.withLock { $0.topology.assign(slot: slot, to: node) }
                        scheduleRefresh()
                        asking[index] = nil
                        pending.append(index)
                    case .ask(_, let node)? where asking[index] == nil:
                        asking[index] = node
                        pending.append(index)
                    default:
                        if asking[index] == target { asking[index] = nil }
                        replies[index] = reply
                    }
                }
            }
        }
        return replies.map { $0 ?? .error("CLUSTERDOWN too many redirections") }
    }

    /// The `pending` commands by the node each goes to: the one that answered `ASK`, else its
    /// slot's master; a command whose slot nobody serves gets its error reply at once.
    private func groupedByNode(
        _ pending: [Int], _ commands: [ClusterSplit.Part], asking: [Int: ClusterTopology.Node],
        _ replies: inout [RedisValue?]
    ) async throws -> [ClusterTopology.Node: [Int]] {
        let map = try await topology()
        var groups: [ClusterTopology.Node: [Int]] = [:]
        for index in pending {
            let slot = commands[index].slot
            guard let target = asking[index] ?? (slot.flatMap(map.master(forSlot:)) ?? map.masters.first) else {
                replies[index] = .error("CLUSTERDOWN Hash slot \(slot ?? 0) not served")
                continue
            }
            groups[target, default: []].append(index)
        }
        return groups
    }

    /// Sends each node its commands (after `ASKING` where asked to), concurrently; a single node's
    /// on the caller's task (most commands have one key: no child task to spawn and await).
    private func send(
        _ groups: [ClusterTopology.Node: [Int]], _ commands: [ClusterSplit.Part],
        asking: [Int: ClusterTopology.Node]
    ) async throws -> [Answered] {
        if groups.count == 1, let (target, indices) = groups.first {
            return [(target, indices, try await send(indices, of: commands, to: target, asking: asking))]
        }
        return try await withThrowingTaskGroup(of: Answered.self) { group in
            for (target, indices) in groups {
                group.addTask {
                    (target, indices, try await self.send(indices, of: commands, to: target, asking: asking))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    /// The replies of `target` to the commands at `indices`, as one pipeline.
    private func send(
        _ indices: [Int], of commands: [ClusterSplit.Part], to target: ClusterTopology.Node,
        asking: [Int: ClusterTopology.Node]
    ) async throws -> [RedisValue] {
        var wire: [RedisCommand] = []
        var answered: [Bool] = []
        wire.reserveCapacity(indices.count)
        for index in indices {
            if asking[index] == target {
                wire.append(RedisCommand("ASKING"))
                answered.append(false)
            }
            wire.append(commands[index].command)
            answered.append(true)
        }
        let replies = try await send(wire, to: target)
        return answered.count == indices.count ? replies : zip(answered, replies).filter(\.0).map(\.1)
    }

    /// `target`'s replies to `commands`; a failure refreshes the map (the node may have failed over).
    private func send(_ commands: [RedisCommand], to target: ClusterTopology.Node) async throws -> [RedisValue] {
        do {
            return try await node(target).pipeline(commands)
        } catch {
            scheduleRefresh()
            throw error
        }
    }

    /// The pool for `node`, opened on first use.
    private func node(_ address: ClusterTopology.Node) -> RedisNode {
        state.withLock { state in
            if let existing = state.nodes[address] { return existing }
            let created = RedisNode(configuration: seed.at(address))
            if state.closed { created.close() }
            state.nodes[address] = created
            return created
        }
    }

    // MARK: The slot map

    /// Starts a refresh of the map unless one is under way.
    func scheduleRefresh() {
        _ = refreshed()
    }

    /// The refresh under way, or a new one: asks the known masters, then the seed, for `CLUSTER SLOTS`.
    private func refreshed() -> Task<Void, any Error> {
        refresh.withLock { running in
            if let running { return running }
            let task = Task {
                defer { self.refresh.withLock { $0 = nil } }
                try await self.load()
            }
            running = task
            return task
        }
    }

    private func load() async throws {
        let seedNode = ClusterTopology.Node(host: seed.host, port: seed.port)
        let known = state.withLock { $0.topology.masters }
        let topology = try await ClusterTopology.load(from: known + [seedNode]) { candidate in
            try await self.node(candidate).pipeline([.clusterSlots])[0]
        }
        state.withLock { $0.topology = topology }
    }
}
