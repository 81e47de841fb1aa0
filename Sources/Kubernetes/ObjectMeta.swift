/// The metadata every object carries (the fields this client and the operator use).
public struct ObjectMeta: Codable, Sendable, Hashable {
    public var name: String?
    public var generateName: String?
    public var namespace: String?
    public var uid: String?
    public var resourceVersion: String?
    public var generation: Int?
    public var labels: [String: String]?
    public var annotations: [String: String]?
    public var finalizers: [String]?
    public var creationTimestamp: String?
    public var deletionTimestamp: String?

    public init(
        name: String? = nil, namespace: String? = nil, labels: [String: String]? = nil,
        annotations: [String: String]? = nil,
        resourceVersion: String? = nil, finalizers: [String]? = nil
    ) {
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.annotations = annotations
        self.resourceVersion = resourceVersion
        self.finalizers = finalizers
    }
}

extension ObjectMeta {
    /// Only the object's name and version (no uid, labels, annotations or timestamps): what an
    /// informer that only routes events by name needs to keep. A uid is 36 characters, so a heap
    /// copy per object, and a store keyed by name does not need it.
    public var identity: ObjectMeta {
        ObjectMeta(name: name, namespace: namespace, resourceVersion: resourceVersion)
    }
}

/// An object the client can read and write: it has metadata.
public protocol KubernetesObject: Codable, Sendable {
    var metadata: ObjectMeta { get set }
}

/// A list response: items, and the resourceVersion and continue token of the list.
public struct ObjectList<Item: Decodable & Sendable>: Decodable, Sendable {
    public struct ListMeta: Decodable, Sendable {
        public var resourceVersion: String?
        public var `continue`: String?
    }
    public var metadata: ListMeta
    public var items: [Item]

    enum CodingKeys: String, CodingKey { case metadata, items }

    /// An empty metadata-only list (`PartialObjectMetadataList`) comes with `"items": null`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try container.decode(ListMeta.self, forKey: .metadata)
        items = try container.decodeIfPresent([Item].self, forKey: .items) ?? []
    }
}

/// A ConfigMap, for tests and tools.
public struct ConfigMap: KubernetesObject, Hashable {
    /// Absent on list items, as the API server sends them.
    public var apiVersion: String? = "v1"
    public var kind: String? = "ConfigMap"
    public var metadata: ObjectMeta
    public var data: [String: String]?

    public init(metadata: ObjectMeta, data: [String: String]? = nil) {
        self.metadata = metadata
        self.data = data
    }
}
