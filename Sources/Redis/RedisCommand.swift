public import struct Foundation.Data

/// One Redis command and its arguments, sent as a binary-safe argument vector.
///
/// The command is kept in Redis's wire form (a RESP array of bulk strings), written as it is built:
/// the bytes of a key go straight from its string to the wire, with no copy per argument on the way.
public struct RedisCommand: Sendable, Hashable {
    /// The command's name, for logs and errors (arguments may hold secrets and are never shown).
    public var name: String { givenName.uppercased() }
    private let givenName: String
    /// The command in Redis's wire form.
    private(set) var wire: [UInt8]

    /// A command of any arguments, each sent as its bytes (binary-safe).
    public init(arguments: [Data]) {
        self.init(
            name: arguments.first.map { String(decoding: $0, as: UTF8.self) } ?? "", argumentCount: arguments.count,
            capacity: arguments.reduce(0) { $0 + $1.count })
        for argument in arguments { append(argument) }
    }

    public init(_ name: String, _ arguments: String...) {
        self.init(name, arguments)
    }

    /// `name` then `arguments`, each sent as its UTF-8 bytes.
    init(_ name: String, _ arguments: [String]) {
        self.init(
            name: name, argumentCount: 1 + arguments.count,
            capacity: arguments.reduce(name.utf8.count) { $0 + $1.utf8.count })
        append(name)
        for argument in arguments { append(argument) }
    }

    /// The array header of `argumentCount` arguments, with room for `capacity` bytes of them; the
    /// arguments follow with `append`.
    private init(name: String, argumentCount: Int, capacity: Int) {
        givenName = name
        wire = []
        wire.reserveCapacity(capacity + 16 * (argumentCount + 1))
        Self.appendHeader(UInt8(ascii: "*"), argumentCount, to: &wire)
    }

    /// How long a `SET` keeps its key.
    public enum Expiration: Sendable, Hashable {
        case seconds(Int)
        case milliseconds(Int)
    }

    public static func get(_ key: String) -> Self { .init("GET", [key]) }

    public static func set(_ key: String, _ value: Data, expiration: Expiration? = nil) -> Self {
        let option: [String]
        switch expiration {
        case .seconds(let seconds)?: option = ["EX", String(seconds)]
        case .milliseconds(let millis)?: option = ["PX", String(millis)]
        case nil: option = []
        }
        var command = Self(name: "SET", argumentCount: 3 + option.count, capacity: 16 + key.utf8.count + value.count)
        command.append("SET")
        command.append(key)
        command.append(value)
        for argument in option { command.append(argument) }
        return command
    }

    public static func del(_ keys: [String]) -> Self { .init("DEL", keys) }
    public static func unlink(_ keys: [String]) -> Self { .init("UNLINK", keys) }
    public static func mget(_ keys: [String]) -> Self { .init("MGET", keys) }
    public static func expire(_ key: String, seconds: Int) -> Self { .init("EXPIRE", key, String(seconds)) }
    public static func ttl(_ key: String) -> Self { .init("TTL", key) }
    public static func pttl(_ key: String) -> Self { .init("PTTL", key) }
    public static let ping = Self("PING")

    public static func scan(cursor: String, match: String? = nil, count: Int? = nil) -> Self {
        var arguments = [cursor]
        if let match { arguments += ["MATCH", match] }
        if let count { arguments += ["COUNT", String(count)] }
        return .init("SCAN", arguments)
    }
}

extension RedisCommand {
    /// The commands in Redis's wire form, ready to be written in one go.
    package static func wireForm(of commands: [RedisCommand]) -> [UInt8] {
        guard commands.count > 1 else { return commands.first?.wire ?? [] }
        return commands.reduce(into: [UInt8]()) { $0 += $1.wire }
    }

    private mutating func append(_ argument: String) {
        Self.appendHeader(UInt8(ascii: "$"), argument.utf8.count, to: &wire)
        wire.append(contentsOf: argument.utf8)
        Self.appendLineEnd(to: &wire)
    }

    private mutating func append(_ argument: Data) {
        Self.appendHeader(UInt8(ascii: "$"), argument.count, to: &wire)
        argument.withUnsafeBytes { wire.append(contentsOf: $0) }
        Self.appendLineEnd(to: &wire)
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, to bytes: inout [UInt8]) {
        bytes.append(marker)
        bytes.append(contentsOf: String(count).utf8)
        appendLineEnd(to: &bytes)
    }

    private static func appendLineEnd(to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\r"))
        bytes.append(UInt8(ascii: "\n"))
    }
}
