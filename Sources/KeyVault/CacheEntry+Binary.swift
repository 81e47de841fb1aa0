import Foundation

/// A compact binary form of cache entries: decoding it is a few microseconds, where JSON took tens
/// (it is on every cache hit). Layout: a version byte, a kind byte, then the secret's fields as
/// length-prefixed UTF-8 strings and flagged 64-bit timestamps.
extension CacheEntry {
    static let formatVersion: UInt8 = 1

    var binary: Data {
        var writer = BinaryWriter()
        writer.byte(Self.formatVersion)
        switch self {
        case .notFound:
            writer.byte(0)
        case .secret(let secret):
            writer.byte(1)
            let properties = secret.properties
            writer.string(properties.name)
            writer.string(properties.version)
            writer.optionalString(properties.contentType)
            writer.byte(properties.enabled ? 1 : 0)
            for date in [properties.notBefore, properties.expiresAt, properties.createdAt, properties.updatedAt] {
                writer.optionalDate(date)
            }
            writer.integer(UInt32(properties.tags.count))
            for (key, value) in properties.tags.sorted(by: { $0.key < $1.key }) {
                writer.string(key)
                writer.string(value)
            }
            writer.string(secret.value)
        }
        return writer.data
    }

    /// How much of an entry to build. `.integration` builds only what an `Integration` shows
    /// (enabled, dates, value) and leaves the name, version, content type and tags empty: a cached
    /// list of eight decodes in a fraction of the time. Such an entry must not leave the library.
    enum Detail {
        case full, integration
    }

    init?(binary data: Data, detail: Detail = .full) {
        guard
            let entry = data.withUnsafeBytes({ bytes in
                var reader = BinaryReader(bytes: bytes)
                return Self(reading: &reader, detail: detail)
            })
        else { return nil }
        self = entry
    }

    private init?(reading reader: inout BinaryReader, detail: Detail) {
        guard reader.byte() == Self.formatVersion, let kind = reader.byte() else { return nil }
        if kind == 0 {
            self = .notFound
            return
        }
        let full = detail == .full
        guard kind == 1, let name = reader.string(building: full), let version = reader.string(building: full),
            let contentType = reader.optionalString(building: full), let enabled = reader.byte(),
            let notBefore = reader.optionalDate(),
            let expiresAt = reader.optionalDate(), let createdAt = reader.optionalDate(),
            let updatedAt = reader.optionalDate(),
            let tagCount = reader.integer()
        else { return nil }
        var tags = [String: String](minimumCapacity: full ? Int(min(tagCount, 16)) : 0)
        for _ in 0..<tagCount {
            guard let key = reader.string(building: full), let value = reader.string(building: full) else { return nil }
            if full { tags[key] = value }
        }
        guard let value = reader.string(), reader.isAtEnd else { return nil }
        let properties = SecretProperties(
            name: name, version: version, contentType: contentType, enabled: enabled == 1, notBefore: notBefore,
            expiresAt: expiresAt,
            createdAt: createdAt, updatedAt: updatedAt, tags: tags)
        self = .secret(Secret(properties: properties, value: value))
    }
}

struct BinaryWriter {
    private(set) var data = Data()

    mutating func byte(_ value: UInt8) { data.append(value) }

    mutating func integer(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        let utf8 = Array(value.utf8)
        integer(UInt32(utf8.count))
        data.append(contentsOf: utf8)
    }

    mutating func optionalString(_ value: String?) {
        byte(value == nil ? 0 : 1)
        if let value { string(value) }
    }

    mutating func optionalDate(_ value: Date?) {
        byte(value == nil ? 0 : 1)
        if let value {
            withUnsafeBytes(of: value.timeIntervalSince1970.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
    }
}

/// Reads the binary form in place (no copy of the bytes); only used inside `withUnsafeBytes`.
struct BinaryReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func byte() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func integer() -> UInt32? {
        guard offset + 4 <= bytes.count else { return nil }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(
            bytes[offset + 3]) << 24
    }

    /// The next string; with `building` false it is only skipped (and read as empty).
    mutating func string(building: Bool = true) -> String? {
        guard let count = integer().map(Int.init), offset + count <= bytes.count else { return nil }
        defer { offset += count }
        return building
            ? String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self) : ""
    }

    /// `.some(nil)` for an absent value, `nil` for malformed input.
    mutating func optionalString(building: Bool = true) -> String?? {
        guard let flag = byte() else { return nil }
        return flag == 0 ? .some(nil) : string(building: building).map { .some($0) }
    }

    mutating func optionalDate() -> Date?? {
        guard let flag = byte() else { return nil }
        if flag == 0 { return .some(nil) }
        guard offset + 8 <= bytes.count else { return nil }
        var bits: UInt64 = 0
        for index in 0..<8 { bits |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return .some(Date(timeIntervalSince1970: Double(bitPattern: bits)))
    }
}
