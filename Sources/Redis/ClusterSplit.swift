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

    /// The commands whose keys may lie in different slots.
    private static let multiKey: Set<String> = ["MGET", "DEL", "UNLINK"]

    /// A command is routed by its first argument: its key, or for a command without keys an
    /// argument that sends it to some master, which is all such a command needs.
    init(_ command: RedisCommand) {
        if Self.isSplit(command) {
            let name = command.name
            parts = command.argumentsAfterName.map {
                Part(command: RedisCommand(name == "MGET" ? "GET" : name, arguments: [$0]), slot: ClusterSlot.of($0))
            }
            merging = name == "MGET" ? .array : .sum
        } else {
            parts = [Part(command: command, slot: command.firstArgument.map(ClusterSlot.of))]
            merging = .none
        }
    }

    /// The slot of a command that is sent whole (not split), `nil` for one that is split or
    /// has no argument.
    static func slotUnsplit(_ command: RedisCommand) -> Int? {
        guard command.argumentCount >= 2, !isSplit(command) else { return nil }
        return command.firstArgument.map(ClusterSlot.of)
    }

    /// Whether `command` is sent in parts: a multi-key command with more than one key.
    private static func isSplit(_ command: RedisCommand) -> Bool {
        command.argumentCount > 2 && multiKey.contains(command.name)
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
