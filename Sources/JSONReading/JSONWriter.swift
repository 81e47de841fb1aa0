public import struct Foundation.Data

/// Writes JSON text in order, for the bodies hot paths send at every reconcile (a vault secret,
/// a status patch): `JSONEncoder` and `JSONSerialization` build a tree of boxed values first and
/// were together about 5 % of the operator's CPU in a bulk load. Commas are placed by the writer;
/// strings are escaped as RFC 8259 requires (quote, backslash, control characters).
public struct JSONWriter: Sendable {
    /// The UTF-8 text written so far.
    public private(set) var bytes: [UInt8] = []
    private var needsComma = false
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// An empty writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far, as `Data` (a request body).
    public var data: Data { Data(bytes) }

    /// Writes `{`, the members `members` writes (each a `key` and its value), then `}`.
    public mutating func object(_ members: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "{"), UInt8(ascii: "}"), members)
    }

    /// Writes `[`, the values `elements` writes, then `]`.
    public mutating func array(_ elements: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "["), UInt8(ascii: "]"), elements)
    }

    private mutating func container(
        _ open: UInt8, _ close: UInt8, _ contents: (inout JSONWriter) throws -> Void
    ) rethrows {
        beginValue()
        bytes.append(open)
        needsComma = false
        try contents(&self)
        bytes.append(close)
        needsComma = true
    }

    /// Writes a member's key; its value is what is written next.
    public mutating func key(_ name: String) {
        beginValue()
        writeQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes `value` as a JSON string.
    public mutating func string(_ value: String) {
        beginValue()
        writeQuoted(value)
        needsComma = true
    }

    /// Writes `value` as a JSON number.
    public mutating func int(_ value: Int) {
        beginValue()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        beginValue()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        beginValue()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// An object of string members, keys in sorted order (the same text for the same map).
    public mutating func stringMap(_ map: [String: String]) {
        object { writer in
            for (key, value) in map.sorted(by: { $0.key < $1.key }) {
                writer.key(key)
                writer.string(value)
            }
        }
    }

    /// A member whose value is `value`'s string, or nothing when it is nil.
    public mutating func member(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// A member whose value is `value`, or nothing when it is nil.
    public mutating func member(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        int(value)
    }

    private mutating func beginValue() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private mutating func writeQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case UInt8(ascii: "\n"):
                bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"):
                bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"):
                bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0xf)])
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
