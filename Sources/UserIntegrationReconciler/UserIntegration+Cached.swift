import Kubernetes

extension UserIntegration {
    /// Shared copies of what many resources hold alike.
    struct Interners: Sendable {
        /// Names, versions, reasons and times: few distinct values among thousands of resources.
        let strings = Interner<String>()
        /// Condition messages: most are shared by every resource in a state; an error's may name
        /// the resource's own Secret or vault secret, so they churn apart from `strings`.
        let messages = Interner<String>()
        let lists = Interner<[String]>()
        /// Whole condition lists: resources reconciled in the same second to the same state hold
        /// equal ones.
        let conditions = Interner<[Condition]>()
    }

    /// The resource as the controller's cache keeps it: without what nothing reads (labels,
    /// annotations but `adopt` and `force-sync`, with kubectl's last-applied copy, the creation time), and with the strings and
    /// condition lists that many resources hold alike shared with them. Resources reconciled in the
    /// same second share their condition and sync times, and resources in the same state their
    /// messages; each would otherwise be a heap copy of its own (a string over 15 bytes is not
    /// stored inline), and a list of four conditions is 384 bytes.
    func cached(_ interners: Interners) -> UserIntegration {
        let strings = interners.strings.intern
        var trimmed = self
        trimmed.apiVersion = apiVersion.map(strings)
        trimmed.kind = kind.map(strings)
        trimmed.metadata.labels = nil
        // Only the annotations the controller reads.
        let kept = metadata.annotations?.filter { $0.key == Self.adoptAnnotation || $0.key == Self.forceSyncAnnotation }
        trimmed.metadata.annotations = kept?.isEmpty == false ? kept.map { $0.mapValues(strings) } : nil
        trimmed.metadata.creationTimestamp = nil
        trimmed.metadata.namespace = metadata.namespace.map(strings)
        trimmed.metadata.finalizers = metadata.finalizers.map(interners.lists.intern)
        trimmed.status?.lastSyncTime = status?.lastSyncTime.map(strings)
        if let conditions = status?.conditions {
            let shared = conditions.map { condition in
                var shared = condition
                shared.reason = strings(condition.reason)
                shared.lastTransitionTime = strings(condition.lastTransitionTime)
                shared.message = interners.messages.intern(condition.message)
                return shared
            }
            trimmed.status?.conditions = interners.conditions.intern(shared)
        }
        return trimmed
    }
}
