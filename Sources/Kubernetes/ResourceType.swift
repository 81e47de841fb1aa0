/// A kind of resource the API serves: group, version, plural, and whether it is namespaced.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// Empty for the core group.
    public var group: String
    public var version: String
    public var plural: String
    public var namespaced: Bool

    public init(group: String, version: String, plural: String, namespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.namespaced = namespaced
    }

    public static let configMaps = ResourceType(group: "", version: "v1", plural: "configmaps")
    public static let secrets = ResourceType(group: "", version: "v1", plural: "secrets")
    public static let namespaces = ResourceType(group: "", version: "v1", plural: "namespaces", namespaced: false)
    public static let leases = ResourceType(group: "coordination.k8s.io", version: "v1", plural: "leases")
    public static let events = ResourceType(group: "events.k8s.io", version: "v1", plural: "events")
    public static let customResourceDefinitions = ResourceType(
        group: "apiextensions.k8s.io", version: "v1", plural: "customresourcedefinitions", namespaced: false)

    /// `/api/v1` or `/apis/{group}/{version}`.
    var apiPrefix: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection path (all namespaces when `namespace` is `nil`) or an object's path.
    func path(namespace: String?, name: String? = nil, subresource: String? = nil) -> String {
        var path = apiPrefix
        if namespaced, let namespace { path += "/namespaces/\(namespace)" }
        path += "/\(plural)"
        if let name { path += "/\(name)" }
        if let subresource { path += "/\(subresource)" }
        return path
    }

    public var description: String { group.isEmpty ? "\(plural)/\(version)" : "\(plural).\(group)/\(version)" }
}
