/// An `events.k8s.io/v1` Event.
public struct Event: KubernetesObject, Hashable {
    public struct Series: Codable, Sendable, Hashable {
        public var count: Int
        public var lastObservedTime: String
    }
    public struct Reference: Codable, Sendable, Hashable {
        public var apiVersion: String?
        public var kind: String?
        public var namespace: String?
        public var name: String?
        public var uid: String?
        public var resourceVersion: String?

        public init(
            apiVersion: String?, kind: String?, namespace: String?, name: String?, uid: String?,
            resourceVersion: String? = nil
        ) {
            self.apiVersion = apiVersion
            self.kind = kind
            self.namespace = namespace
            self.name = name
            self.uid = uid
            self.resourceVersion = resourceVersion
        }
    }
    public var apiVersion: String? = "events.k8s.io/v1"
    public var kind: String? = "Event"
    public var metadata: ObjectMeta
    public var eventTime: String?
    public var series: Series?
    public var reportingController: String?
    public var reportingInstance: String?
    public var action: String?
    public var reason: String?
    public var regarding: Reference?
    public var note: String?
    public var type: String?
}
