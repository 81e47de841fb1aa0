public import struct Foundation.Data

/// A value that reads itself from JSON with a `JSONReader`, in place of `Decodable`.
public protocol JSONReadable {
    init(reading reader: inout JSONReader) throws
}

extension JSONReadable {
    /// Reads one value from `json`, which must hold exactly that value.
    @inlinable public init(json: Data) throws {
        self = try JSONReader.read(json) { try Self(reading: &$0) }
    }
}

/// Reads JSON text in order, for the shapes hot paths receive (the vault's secret bundles, the
/// Kubernetes objects of an informer's list), without `Codable`'s containers: `JSONDecoder` took
/// about 40 µs for one 300-byte secret bundle. The caller asks for each value it wants and skips
/// the rest; anything that is not well-formed JSON, or not of the type asked for, throws.
public struct JSONReader {
    /// Input that is not JSON, or a value of another type than the one asked for.
    public struct Malformed: Error, CustomStringConvertible {
        public let offset: Int
        @usableFromInline init(offset: Int) { self.offset = offset }
        public var description: String { "malformed JSON at byte \(offset)" }
    }

    /// An object without a member its reader requires.
    public struct MissingKey: Error, CustomStringConvertible {
        public let key: String
        @usableFromInline init(key: String) { self.key = key }
        public var description: String { "no value for the required key \"\(key)\"" }
    }

    /// Objects and arrays nested deeper than `maxDepth`: refused before they exhaust the stack.
    public struct TooDeep: Error, CustomStringConvertible {
        public let offset: Int
        @usableFromInline init(offset: Int) { self.offset = offset }
        public var description: String {
            "JSON nested deeper than \(JSONReader.maxDepth) levels at byte \(offset)"
        }
    }

    /// How deep objects and arrays may nest. Kubernetes objects and vault responses nest a few
    /// dozen levels at most; a hostile peer's `[[[[…` must not overflow the stack.
    public static let maxDepth = 512

    /// `value`, read for `key`, or `MissingKey` when the object had none.
    @inlinable public static func required<T>(_ value: T?, _ key: String) throws -> T {
        guard let value else { throw MissingKey(key: key) }
        return value
    }

    @usableFromInline let bytes: UnsafeRawBufferPointer
    @usableFromInline var offset = 0
    @usableFromInline var depth = 0

    @usableFromInline init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Reads one `T` from `data`, which must hold exactly that value.
    @inlinable public static func read<T: JSONReadable>(_ type: T.Type, from data: Data) throws -> T {
        try T(json: data)
    }

    /// Reads `data` with `body`, which must consume exactly one value.
    @inlinable public static func read<T>(_ data: Data, _ body: (inout JSONReader) throws -> T) throws -> T {
        try data.withUnsafeBytes { raw in
            var reader = JSONReader(bytes: raw)
            let value = try body(&reader)
            reader.skipWhitespace()
            guard reader.offset == raw.count else { throw Malformed(offset: reader.offset) }
            return value
        }
    }

    /// Reads an object, calling `field` with each key; `field` must read or skip that key's value.
    @inlinable public mutating func readObject(_ field: (String, inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "{"))
        try descend()
        defer { depth -= 1 }
        if consumeIfNext(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            let key = try readString()
            try expect(UInt8(ascii: ":"))
            try field(key, &self)
        } while try consumeSeparator(closing: UInt8(ascii: "}"))
    }

    /// Reads an array, calling `element` for each element.
    @inlinable public mutating func readArray(_ element: (inout JSONReader) throws -> Void) throws {
        try expect(UInt8(ascii: "["))
        try descend()
        defer { depth -= 1 }
        if consumeIfNext(UInt8(ascii: "]")) { return }
        repeat {
            try element(&self)
        } while try consumeSeparator(closing: UInt8(ascii: "]"))
    }

    /// Reads an array of values that read themselves.
    @inlinable public mutating func readArray<T: JSONReadable>(of type: T.Type) throws -> [T] {
        var elements: [T] = []
        try readArray { elements.append(try T(reading: &$0)) }
        return elements
    }

    /// `nil` for a JSON null, else what `read` reads.
    @inlinable public mutating func readOptional<T>(_ read: (inout JSONReader) throws -> T) throws -> T? {
        skipWhitespace()
        if peek == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try read(&self)
    }

    @inlinable public mutating func readString() throws -> String {
        skipWhitespace()
        try expect(UInt8(ascii: "\""))
        let start = offset
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: "\""):
                defer { offset += 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                return try readEscapedString(from: start)
            case 0..<0x20:
                throw Malformed(offset: offset)
            default:
                offset += 1
            }
        }
        throw Malformed(offset: offset)
    }

    @inlinable public mutating func readDouble() throws -> Double {
        skipWhitespace()
        let start = offset
        while offset < bytes.count, Self.isNumberByte(bytes[offset]) { offset += 1 }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<offset]), as: UTF8.self)
        guard Self.isJSONNumber(text.utf8), let value = Double(text) else { throw Malformed(offset: start) }
        return value
    }

    /// An integer (no fraction or exponent), as Kubernetes sends generations.
    @inlinable public mutating func readInt() throws -> Int {
        skipWhitespace()
        let start = offset
        if peek == UInt8(ascii: "-") { offset += 1 }
        var value = 0
        let digits = offset
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowSum) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            guard !overflowTimes, !overflowSum else { throw Malformed(offset: start) }
            value = sum
            offset += 1
        }
        let count = offset - digits
        guard count > 0, count == 1 || bytes[digits] != UInt8(ascii: "0"), peek.map({ !Self.isNumberByte($0) }) ?? true
        else {
            throw Malformed(offset: start)
        }
        return bytes[start] == UInt8(ascii: "-") ? -value : value
    }

    /// A string that must be one of `T`'s raw values.
    @inlinable public mutating func readRawValue<T: RawRepresentable>(_ type: T.Type) throws -> T
    where T.RawValue == String {
        let start = offset
        guard let value = T(rawValue: try readString()) else { throw Malformed(offset: start) }
        return value
    }

    /// Reads a JSON object of strings.
    @inlinable public mutating func readStringMap() throws -> [String: String] {
        var map: [String: String] = [:]
        try readObject { key, reader in map[key] = try reader.readString() }
        return map
    }

    /// Reads a JSON array of strings.
    @inlinable public mutating func readStringArray() throws -> [String] {
        var strings: [String] = []
        try readArray { strings.append(try $0.readString()) }
        return strings
    }

    @inlinable public mutating func readBool() throws -> Bool {
        skipWhitespace()
        if peek == UInt8(ascii: "t") {
            try literal("true")
            return true
        }
        try literal("false")
        return false
    }

    /// The bytes of the next value, whatever its kind, to be read later.
    @inlinable public mutating func readValueBytes() throws -> Data {
        skipWhitespace()
        let start = offset
        try skipValue()
        return Data(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
    }

    /// Skips one value of any kind.
    @inlinable public mutating func skipValue() throws { try skipValue(depth: 0) }

    /// A value inside more arrays and objects than this is malformed (`JSONSerialization` has the
    /// same limit): skipping them recursively would overflow the stack.
    @usableFromInline static let maxNesting = 512

    /// Skips a value inside `depth` arrays and objects.
    @inlinable mutating func skipValue(depth: Int) throws {
        guard depth <= Self.maxNesting else { throw Malformed(offset: offset) }
        skipWhitespace()
        switch peek {
        case UInt8(ascii: "\""): _ = try readString()
        case UInt8(ascii: "{"): try readObject { _, reader in try reader.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["): try readArray { try $0.skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"): _ = try readBool()
        case UInt8(ascii: "n"): try literal("null")
        default: _ = try readDouble()
        }
    }

    // MARK: Scanning

    @inlinable var peek: UInt8? { offset < bytes.count ? bytes[offset] : nil }

    @inlinable mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x0A, 0x0D, 0x09: offset += 1
            default: return
            }
        }
    }

    @inlinable mutating func descend() throws {
        depth += 1
        guard depth <= Self.maxDepth else {
            depth -= 1
            throw TooDeep(offset: offset)
        }
    }

    @inlinable mutating func expect(_ byte: UInt8) throws {
        skipWhitespace()
        guard peek == byte else { throw Malformed(offset: offset) }
        offset += 1
    }

    @inlinable mutating func consumeIfNext(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard peek == byte else { return false }
        offset += 1
        return true
    }

    /// After a member or element: `true` for a comma (another follows), `false` for `closing`.
    @inlinable mutating func consumeSeparator(closing: UInt8) throws -> Bool {
        if consumeIfNext(UInt8(ascii: ",")) { return true }
        try expect(closing)
        return false
    }

    @usableFromInline mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard offset + count <= bytes.count,
            UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]).elementsEqual(
                UnsafeRawBufferPointer(start: word.utf8Start, count: count))
        else { throw Malformed(offset: offset) }
        offset += count
    }

    /// The rest of a string that holds escapes; `start` is just after its opening quote.
    @usableFromInline mutating func readEscapedString(from start: Int) throws -> String {
        var utf8 = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<offset]))
        while offset < bytes.count {
            let byte = bytes[offset]
            offset += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = peek else { throw Malformed(offset: offset) }
                offset += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"): utf8.append(contentsOf: String(try readUnicodeEscape()).utf8)
                default: throw Malformed(offset: offset - 1)
                }
            case 0..<0x20:
                throw Malformed(offset: offset - 1)
            default:
                utf8.append(byte)
            }
        }
        throw Malformed(offset: offset)
    }

    /// The scalar of `XXXX` after `\u` (with the low half of a surrogate pair when one follows).
    @usableFromInline mutating func readUnicodeEscape() throws -> Unicode.Scalar {
        let high = try readHex4()
        guard (0xD800..<0xDC00).contains(high) else {
            guard let scalar = Unicode.Scalar(high) else { throw Malformed(offset: offset) }
            return scalar
        }
        try literal("\\u")
        let low = try readHex4()
        guard (0xDC00..<0xE000).contains(low),
            let scalar = Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))
        else {
            throw Malformed(offset: offset)
        }
        return scalar
    }

    @usableFromInline mutating func readHex4() throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw Malformed(offset: offset) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let digit = Character(Unicode.Scalar(bytes[offset])).hexDigitValue else {
                throw Malformed(offset: offset)
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    @inlinable static func isNumberByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    @usableFromInline static func isJSONNumber(_ text: String.UTF8View) -> Bool {
        var bytes = text[...]
        func digits() -> Int {
            let count = bytes.prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }.count
            bytes = bytes.dropFirst(count)
            return count
        }
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        if bytes.first == UInt8(ascii: "0") { bytes = bytes.dropFirst() } else if digits() == 0 { return false }
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            if digits() == 0 { return false }
        }
        if bytes.first == UInt8(ascii: "e") || bytes.first == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if bytes.first == UInt8(ascii: "+") || bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
            if digits() == 0 { return false }
        }
        return bytes.isEmpty
    }
}
