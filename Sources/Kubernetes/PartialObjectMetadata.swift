/// An object's metadata only, as the API serves it for `as=PartialObjectMetadata` requests: lists
/// and watches of Secrets that never carry their data.
public struct PartialObjectMetadata: KubernetesObject, Hashable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta

    public init(apiVersion: String? = nil, kind: String? = nil, metadata: ObjectMeta) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.metadata = metadata
    }
}

extension KubernetesClient {
    /// `Accept` for metadata-only lists and watches.
    static let metadataListAccept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    static let metadataAccept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"
}
