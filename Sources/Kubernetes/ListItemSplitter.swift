import struct Foundation.Data

/// Splits a list response (`{"metadata":{…},"items":[{…},{…}],…}`) into its items as the bytes
/// arrive, so a list of any size is decoded one object at a time, never held whole. What is not an
/// item (the envelope: kind, metadata, with `"items":[]`) is kept for the end.
struct ListItemSplitter {
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The top-level key being read or just read (only at depth 1).
    private var key: [UInt8] = []
    private var readingKey = false
    private var lastKey: [UInt8] = []
    private var inItems = false
    private var item = Data()
    private(set) var envelope = Data()

    private static let itemsKey = Array("items".utf8)

    /// The items this chunk completed, each one JSON object.
    mutating func feed(_ chunk: Data) -> [Data] {
        var items: [Data] = []
        chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var itemStart: Int? = inItems && depth >= 3 ? 0 : nil
            var envelopeStart: Int? = inItems ? nil : 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                if inString {
                    if escaped {
                        escaped = false
                    } else if byte == UInt8(ascii: "\\") {
                        escaped = true
                    } else if byte == UInt8(ascii: "\"") {
                        inString = false
                        if readingKey { readingKey = false; lastKey = key }
                    } else if readingKey {
                        key.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    if depth == 1 { readingKey = true; key.removeAll(keepingCapacity: true) }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth == 2, byte == UInt8(ascii: "["), lastKey == Self.itemsKey {
                        // Entering the items: the envelope keeps the bracket, not what is inside.
                        envelope.append(contentsOf: bytes[envelopeStart!...index])
                        envelopeStart = nil
                        inItems = true
                    } else if inItems, depth == 3 {
                        itemStart = index
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if inItems, depth == 2, let start = itemStart {
                        item.append(contentsOf: bytes[start...index])
                        items.append(item)
                        item = Data()
                        itemStart = nil
                    } else if inItems, depth == 1 {
                        inItems = false
                        envelopeStart = index
                    }
                default:
                    break
                }
            }
            if let start = itemStart { item.append(contentsOf: bytes[start...]) }
            if let start = envelopeStart { envelope.append(contentsOf: bytes[start...]) }
        }
        return items
    }
}
