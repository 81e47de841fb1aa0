public import struct Foundation.Data

/// A reply from Redis.
public enum RedisValue: Sendable, Hashable {
    /// A status reply such as `OK` or `PONG`.
    case status(String)
    /// An error reply; its text as Redis sent it, e.g. `WRONGTYPE Operation against a key ...`.
    case error(String)
    case integer(Int)
    case bulk(Data)
    case null
    case array([RedisValue])

    /// The reply as bytes, for bulk and status replies.
    public var data: Data? {
        switch self {
        case .bulk(let data): return data
        case .status(let text): return Data(text.utf8)
        default: return nil
        }
    }

    /// The reply as UTF-8 text, for bulk and status replies.
    public var string: String? {
        data.map { String(decoding: $0, as: UTF8.self) }
    }

    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RedisValue]? {
        if case .array(let values) = self { return values }
        return nil
    }

    public var isNull: Bool { self == .null }
}
