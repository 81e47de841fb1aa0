/// A `metav1.Condition`.
public struct Condition: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        case `true` = "True", `false` = "False", unknown = "Unknown"
    }

    public var type: String
    public var status: Status
    public var reason: String
    public var message: String
    /// RFC 3339; changes only when `status` changes.
    public var lastTransitionTime: String
    public var observedGeneration: Int?

    public init(
        type: String, status: Status, reason: String, message: String, lastTransitionTime: String,
        observedGeneration: Int?
    ) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
        self.observedGeneration = observedGeneration
    }

    public static let ready = "Ready"
    public static let keyVaultSynced = "KeyVaultSynced"
    public static let cacheWarmed = "CacheWarmed"
    public static let expired = "Expired"
    /// Present (`True`) only while the credential expires within the operator's `--expiry-warning`.
    public static let expiringSoon = "ExpiringSoon"
}

extension Array where Element == Condition {
    /// Sets a condition; its `lastTransitionTime` is `now` only when the status changed (or it is new).
    public mutating func set(
        _ type: String, _ status: Condition.Status, reason: String, message: String, generation: Int?, now: String
    ) {
        if let index = firstIndex(where: { $0.type == type }) {
            let transition = self[index].status == status ? self[index].lastTransitionTime : now
            self[index] = Condition(
                type: type, status: status, reason: reason, message: message, lastTransitionTime: transition,
                observedGeneration: generation)
        } else {
            append(
                Condition(
                    type: type, status: status, reason: reason, message: message, lastTransitionTime: now,
                    observedGeneration: generation))
        }
    }

    public subscript(type: String) -> Condition? { first { $0.type == type } }

    /// These conditions written over `earlier` ones: a condition whose status `earlier` already
    /// has keeps `earlier`'s transition time (for a status computed from a stale copy).
    public func rebased(on earlier: [Condition]) -> [Condition] {
        map { condition in
            guard let previous = earlier[condition.type], previous.status == condition.status else { return condition }
            var rebased = condition
            rebased.lastTransitionTime = previous.lastTransitionTime
            return rebased
        }
    }
}
