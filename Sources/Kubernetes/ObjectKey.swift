/// An object's identity within its resource: namespace (empty for cluster-scoped objects) and
/// name, as controller-runtime's `client.ObjectKey`. Work queues, caches and indexes use it instead
/// of "namespace/name" strings.
public struct ObjectKey: Hashable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String?, name: String) {
        self.namespace = namespace ?? ""
        self.name = name
    }

    /// The key of an object, from its metadata.
    public init(_ object: some KubernetesObject) {
        self.init(namespace: object.metadata.namespace, name: object.metadata.name ?? "")
    }

    /// `namespace/name` (as kubectl and logs show it); the cache's own key form.
    public var description: String { "\(namespace)/\(name)" }
}
