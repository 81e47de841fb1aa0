import struct Foundation.Data

/// Splits a list response (`{"metadata":{…},"items":[{…},{…}],…}`) into its items as the bytes
/// arrive, so a list of any size is decoded one object at a time, never held whole. What is not an
/// item (the envelope: kind, metadata, with `"items":[]`) is kept for the end.
///
/// Each item's `metadata.managedFields` comes out empty (`[]`): server-side apply's field
/// bookkeeping is often most of an object's bytes, and nothing here reads it.
struct ListItemSplitter {
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The key being read, and the last one read, at the levels that matter: the list's own keys
    /// (depth 1), each item's (depth 3, kept in `itemKey` too) and those inside them (depth 4).
    private var key: [UInt8] = []
    private var readingKey = false
    private var keyDepth = 0
    private var lastKey: [UInt8] = []
    private var itemKey: [UInt8] = []
    private var inItems = false
    /// Inside an item's managedFields array: its bytes are dropped.
    private var skipping = false
    private var item = Data()
    private(set) var envelope = Data()
    /// The bytes held for the item being read and for the envelope: bounded by the caller, so a
    /// hostile server cannot grow one item (or the envelope) without end.
    var heldBytes: Int { item.count + envelope.count }

    private static let itemsKey = Array("items".utf8)
    private static let managedFieldsKey = Array("managedFields".utf8)
    private static let metadataKey = Array("metadata".utf8)

    /// The items this chunk completed, each one JSON object.
    mutating func feed(_ chunk: Data) -> [Data] {
        var items: [Data] = []
        chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            // Where the bytes still to copy into the current item, or into the envelope, begin.
            var itemStart: Int? = inItems && depth >= 3 && !skipping ? 0 : nil
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
                        if readingKey {
                            readingKey = false
                            lastKey = key
                            if keyDepth == 3 { itemKey = key }
                        }
                    } else if readingKey {
                        key.append(byte)
                    }
                    continue
                }
                switch byte {
                case UInt8(ascii: "\""):
                    inString = true
                    if depth == 1 || (inItems && (depth == 3 || depth == 4) && !skipping) {
                        readingKey = true
                        keyDepth = depth
                        key.removeAll(keepingCapacity: true)
                    }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    if depth == 2, byte == UInt8(ascii: "["), lastKey == Self.itemsKey {
                        // Entering the items: the envelope keeps the bracket, not what is inside.
                        envelope.append(contentsOf: bytes[envelopeStart!...index])
                        envelopeStart = nil
                        inItems = true
                    } else if inItems, depth == 3 {
                        itemStart = index
                    } else if inItems, depth == 5, !skipping, byte == UInt8(ascii: "["),
                        lastKey == Self.managedFieldsKey, itemKey == Self.metadataKey,
                        let start = itemStart
                    {
                        item.append(contentsOf: bytes[start...index])
                        itemStart = nil
                        skipping = true
                    }
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if skipping, depth == 4 {
                        skipping = false
                        itemStart = index
                    } else if inItems, depth == 2, let start = itemStart {
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
