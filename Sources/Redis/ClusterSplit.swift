/// A command as the cluster router sends it: a multi-key `MGET`, `DEL` or `UNLINK` (whose keys may
/// lie in different slots) becomes one command per key, its replies merged back into one.
struct ClusterSplit {
    /// A command with a single slot (or none: a command without keys goes to any master).
    struct Part {
        let command: RedisCommand
        let slot: Int?
    }

    let parts: [Part]
    private let merging: Merge

    private enum Merge {
        case none, array, sum
    }

    /// Commands whose arguments hold no key.
    private static let keyless: Set<String> = [
        "PING", "SCAN", "CLUSTER", "CLIENT", "INFO", "DBSIZE", "ACL", "ECHO", "FLUSHALL", "FLUSHDB", "CONFIG",
        "ASKING", "READONLY", "TIME", "AUTH", "HELLO",
    ]

    init(_ command: RedisCommand) {
        let name = command.name
        guard !Self.keyless.contains(name) else {
            parts = [Part(command: command, slot: nil)]
            merging = .none
            return
        }
        let arguments = command.argumentsAfterName
        switch name {
        case "MGET" where arguments.count > 1, "DEL" where arguments.count > 1, "UNLINK" where arguments.count > 1:
            let single = name == "MGET" ? "GET" : name
            parts = arguments.map { Part(command: RedisCommand(single, arguments: [$0]), slot: ClusterSlot.of($0)) }
            merging = name == "MGET" ? .array : .sum
        default:
            parts = [Part(command: command, slot: arguments.first.map(ClusterSlot.of))]
            merging = .none
        }
    }

    /// The reply the command would have had from one server; the first error reply if any part failed.
    func merge(_ replies: ArraySlice<RedisValue>) -> RedisValue {
        if case .none = merging { return replies.first ?? .null }
        if let failed = replies.first(where: { if case .error = $0 { true } else { false } }) { return failed }
        switch merging {
        case .array: return .array(Array(replies))
        default: return .integer(replies.reduce(0) { $0 + ($1.integer ?? 0) })
        }
    }
}

/// A cluster node's answer that the key lives elsewhere: `MOVED <slot> <host>:<port>` (for good)
/// or `ASK <slot> <host>:<port>` (during a slot's migration, for this command only).
enum ClusterRedirection: Equatable {
    case moved(slot: Int, node: ClusterTopology.Node)
    case ask(slot: Int, node: ClusterTopology.Node)

    init?(_ reply: RedisValue) {
        guard case .error(let text) = reply, text.hasPrefix("MOVED ") || text.hasPrefix("ASK ") else { return nil }
        let words = text.split(separator: " ")
        guard words.count == 3, let slot = Int(words[1]), let colon = words[2].lastIndex(of: ":"),
            let port = Int(words[2][words[2].index(after: colon)...])
        else { return nil }
        let node = ClusterTopology.Node(host: String(words[2][..<colon]), port: port)
        self = words[0] == "MOVED" ? .moved(slot: slot, node: node) : .ask(slot: slot, node: node)
    }
}
