public import struct Foundation.Data

/// One Redis command and its arguments, sent as a binary-safe argument vector.
public struct RedisCommand: Sendable, Hashable {
    public var arguments: [Data]

    public init(arguments: [Data]) {
        self.arguments = arguments
    }

    public init(_ name: String, _ arguments: String...) {
        self.arguments = ([name] + arguments).map { Data($0.utf8) }
    }

    /// The command's name, for logs and errors (arguments may hold secrets and are never shown).
    public var name: String {
        arguments.first.map { String(decoding: $0, as: UTF8.self).uppercased() } ?? ""
    }

    /// How long a `SET` keeps its key.
    public enum Expiration: Sendable, Hashable {
        case seconds(Int)
        case milliseconds(Int)
    }

    public static func get(_ key: String) -> Self { .init("GET", key) }

    public static func set(_ key: String, _ value: Data, expiration: Expiration? = nil) -> Self {
        var arguments = [Data("SET".utf8), Data(key.utf8), value]
        switch expiration {
        case .seconds(let seconds)?: arguments += [Data("EX".utf8), Data(String(seconds).utf8)]
        case .milliseconds(let millis)?: arguments += [Data("PX".utf8), Data(String(millis).utf8)]
        case nil: break
        }
        return .init(arguments: arguments)
    }

    public static func del(_ keys: [String]) -> Self { .init(arguments: ([Data("DEL".utf8)] + keys.map { Data($0.utf8) })) }
    public static func unlink(_ keys: [String]) -> Self { .init(arguments: ([Data("UNLINK".utf8)] + keys.map { Data($0.utf8) })) }
    public static func mget(_ keys: [String]) -> Self { .init(arguments: ([Data("MGET".utf8)] + keys.map { Data($0.utf8) })) }
    public static func expire(_ key: String, seconds: Int) -> Self { .init("EXPIRE", key, String(seconds)) }
    public static func ttl(_ key: String) -> Self { .init("TTL", key) }
    public static func pttl(_ key: String) -> Self { .init("PTTL", key) }
    public static let ping = Self("PING")

    public static func scan(cursor: String, match: String? = nil, count: Int? = nil) -> Self {
        var arguments = ["SCAN", cursor]
        if let match { arguments += ["MATCH", match] }
        if let count { arguments += ["COUNT", String(count)] }
        return .init(arguments: arguments.map { Data($0.utf8) })
    }
}

extension RedisCommand {
    /// The commands in Redis's wire form (RESP arrays of bulk strings), ready to be written in one go.
    package static func wireForm(of commands: [RedisCommand]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(commands.reduce(0) { total, command in total + command.arguments.reduce(16) { $0 + $1.count + 16 } })
        for command in commands {
            appendHeader(UInt8(ascii: "*"), command.arguments.count, to: &bytes)
            for argument in command.arguments {
                appendHeader(UInt8(ascii: "$"), argument.count, to: &bytes)
                argument.withUnsafeBytes { bytes.append(contentsOf: $0) }
                bytes.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
            }
        }
        return bytes
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, to bytes: inout [UInt8]) {
        bytes.append(marker)
        bytes.append(contentsOf: String(count).utf8)
        bytes.append(contentsOf: [UInt8(ascii: "\r"), UInt8(ascii: "\n")])
    }
}
