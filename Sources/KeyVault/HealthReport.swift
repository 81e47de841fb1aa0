/// The health of one dependency.
public struct ComponentHealth: Sendable, Hashable, Codable {
    public var name: String
    public var healthy: Bool
    /// How long the check took.
    public var latency: Duration
    /// Why it is unhealthy (an error description without secret values).
    public var error: String?

    public init(name: String, healthy: Bool, latency: Duration, error: String? = nil) {
        self.name = name
        self.healthy = healthy
        self.latency = latency
        self.error = error
    }
}

/// Several components' health; healthy only when all are.
public struct HealthReport: Sendable, Hashable, Codable {
    public var components: [ComponentHealth]

    public init(components: [ComponentHealth]) {
        self.components = components
    }

    public var healthy: Bool { components.allSatisfy(\.healthy) }

    /// The names of the components that are down, e.g. `["redis"]`.
    public var unhealthyComponents: [String] { components.filter { !$0.healthy }.map(\.name) }

    public subscript(name: String) -> ComponentHealth? { components.first { $0.name == name } }
}
