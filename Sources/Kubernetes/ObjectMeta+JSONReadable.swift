public import JSONReading

/// Informer lists read objects with `JSONReader` (`JSONDecoder` was most of a 10,000-object start-up's CPU).
extension ObjectMeta: JSONReadable {
    /// Reads the fields `ObjectMeta` keeps, as its `Decodable` conformance does; skips the rest.
    public init(reading reader: inout JSONReader) throws {
        self.init()
        try reader.readObject { key, reader in
            switch key {
            case "name": name = try reader.readOptional { try $0.readString() }
            case "generateName": generateName = try reader.readOptional { try $0.readString() }
            case "namespace": namespace = try reader.readOptional { try $0.readString() }
            case "uid": uid = try reader.readOptional { try $0.readString() }
            case "resourceVersion": resourceVersion = try reader.readOptional { try $0.readString() }
            case "generation": generation = try reader.readOptional { try $0.readInt() }
            case "labels": labels = try reader.readOptional { try $0.readStringMap() }
            case "annotations": annotations = try reader.readOptional { try $0.readStringMap() }
            case "finalizers": finalizers = try reader.readOptional { try $0.readStringArray() }
            case "creationTimestamp": creationTimestamp = try reader.readOptional { try $0.readString() }
            case "deletionTimestamp": deletionTimestamp = try reader.readOptional { try $0.readString() }
            default: try reader.skipValue()
            }
        }
    }
}

extension PartialObjectMetadata: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        var apiVersion: String?
        var kind: String?
        var metadata: ObjectMeta?
        try reader.readObject { key, reader in
            switch key {
            case "apiVersion": apiVersion = try reader.readOptional { try $0.readString() }
            case "kind": kind = try reader.readOptional { try $0.readString() }
            case "metadata": metadata = try reader.readOptional { try ObjectMeta(reading: &$0) }
            default: try reader.skipValue()
            }
        }
        self.init(apiVersion: apiVersion, kind: kind, metadata: try JSONReader.required(metadata, "metadata"))
    }
}

extension ObjectList: JSONReadable where Item: JSONReadable {
    /// Reads a page of a list (a relist after `410 Gone` reads page by page); `"items": null` is empty.
    public init(reading reader: inout JSONReader) throws {
        var metadata: ListMeta?
        var items: [Item]?
        try reader.readObject { key, reader in
            switch key {
            case "metadata": metadata = try reader.readOptional { try ListMeta(reading: &$0) }
            case "items": items = try reader.readOptional { try $0.readArray(of: Item.self) }
            default: try reader.skipValue()
            }
        }
        self.metadata = try JSONReader.required(metadata, "metadata")
        self.items = items ?? []
    }
}

extension ObjectList.ListMeta: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        self.init()
        try reader.readObject { key, reader in
            switch key {
            case "resourceVersion": resourceVersion = try reader.readOptional { try $0.readString() }
            case "continue": self.continue = try reader.readOptional { try $0.readString() }
            default: try reader.skipValue()
            }
        }
    }
}
