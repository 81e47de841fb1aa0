import Kubernetes

extension UserIntegration {
    /// Shared copies of what many resources hold alike.
    struct Interners: Sendable {
        let strings = Interner<String>()
        let conditions = Interner<[Condition]>()
        let lists = Interner<[String]>()
    }

    /// The resource as the controller's cache keeps it: without what nothing reads (labels,
    /// annotations with kubectl's last-applied copy, the creation time), and with its finalizers and
    /// conditions shared with every resource that has the same ones (resources reconciled in the same
    /// second with the same outcome hold equal conditions).
    func cached(_ interners: Interners) -> UserIntegration {
        var trimmed = self
        trimmed.metadata.labels = nil
        trimmed.metadata.annotations = nil
        trimmed.metadata.creationTimestamp = nil
        trimmed.metadata.namespace = metadata.namespace.map(interners.strings.intern)
        trimmed.metadata.finalizers = metadata.finalizers.map(interners.lists.intern)
        trimmed.status?.conditions = status?.conditions.map(interners.conditions.intern)
        return trimmed
    }
}
