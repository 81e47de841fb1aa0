/// Which master serves each hash slot of a Redis Cluster, as `CLUSTER SLOTS` tells.
struct ClusterTopology: Sendable, Equatable {
    /// A server's address as the cluster announces it.
    struct Node: Hashable, Sendable, CustomStringConvertible {
        let host: String
        let port: Int
        var description: String { "\(host):\(port)" }
    }

    /// Every master serving at least one slot, in the order `CLUSTER SLOTS` names them.
    private(set) var masters: [Node] = []
    /// The index in `masters` of each slot's master; -1 for a slot nobody serves.
    private var slots = [Int16](repeating: -1, count: ClusterSlot.count)

    static let empty = ClusterTopology()

    var isEmpty: Bool { masters.isEmpty }

    func master(forSlot slot: Int) -> Node? {
        let index = slots[slot]
        return index < 0 ? nil : masters[Int(index)]
    }

    /// Moves `slot` to `node`, as a `MOVED` reply says it now is.
    mutating func assign(slot: Int, to node: Node) {
        slots[slot] = index(of: node)
    }

    /// `node`'s index in `masters`, added if new.
    private mutating func index(of node: Node) -> Int16 {
        if let index = masters.firstIndex(of: node) { return Int16(index) }
        masters.append(node)
        return Int16(masters.count - 1)
    }

    private init() {}

    /// The topology in a `CLUSTER SLOTS` reply from `asked`: `[[first, last, [host, port, id, …],
    /// replicas…], …]`; an empty host means the node asked.
    init(clusterSlots reply: RedisValue, askedNode asked: Node) throws(RedisError) {
        // Ranges are disjoint, so a slot map has at most one per slot (more masters than
        // `Int16` holds would trap, and finding each one's index takes time quadratic in them).
        guard let ranges = reply.array, ranges.count <= ClusterSlot.count else { throw Self.malformed(reply) }
        for range in ranges {
            guard let parts = range.array, parts.count >= 3, let first = parts[0].integer, let last = parts[1].integer,
                let master = parts[2].array, master.count >= 2, let host = master[0].string,
                let port = master[1].integer, 0 <= first, first <= last, last < ClusterSlot.count
            else { throw Self.malformed(reply) }
            let index = index(of: Node(host: host.isEmpty ? asked.host : host, port: port))
            for slot in first...last { slots[slot] = index }
        }
    }

    /// The first non-empty slot map one of `candidates` gives, asked in order with `ask` (which
    /// sends `CLUSTER SLOTS`); the last error when none does.
    static func load(
        from candidates: [Node], ask: (Node) async throws -> RedisValue
    ) async throws -> ClusterTopology {
        var lastError: any Error = RedisError(code: .connectionFailed, message: "no cluster node answered")
        for candidate in candidates {
            do {
                let topology = try ClusterTopology(clusterSlots: try await ask(candidate), askedNode: candidate)
                if !topology.isEmpty { return topology }
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func malformed(_ reply: RedisValue) -> RedisError {
        if case .error(let text) = reply { return RedisError.reply(text, to: "CLUSTER SLOTS") }
        return RedisError(code: .unexpectedReply, message: "CLUSTER SLOTS gave no slot map")
    }
}

extension RedisCommand {
    static let clusterSlots = RedisCommand("CLUSTER", "SLOTS")
}
