public import Foundation
public import KeyVault
import Kubernetes

/// The reconciler's decisions as pure logic: from a resource, the referenced Secret's value and what
/// the vault holds, the vault action, the status and the next requeue. No I/O; tested without servers.
public struct ReconcilePlanner: Sendable {
    /// How long before a credential's expiry the `ExpiringSoon` condition and Warning event come.
    public var expiryWarning: Duration

    public init(expiryWarning: Duration = .seconds(7 * 86_400)) {
        self.expiryWarning = expiryWarning
    }

    public static let managedByTag = "managed-by"
    public static let managerName = "keyvault-operator"

    /// What Redis should get when a resource's state goes from `previous` to `next`.
    public static func cacheAction(
        from previous: UserIntegration.State?, to next: UserIntegration.State?
    ) -> CacheAction {
        switch next {
        case .connected: return .warm
        case .expired: return previous == .expired ? .none : .invalidate
        // Errors leave Redis alone: while the vault is down the cache is what apps have, and a
        // Conflict's entry belongs to the owning resource.
        case .error: return .none
        case .notConfigured, nil: return .dropValue
        }
    }

    /// The integration of a resource (its vault secret name and keys), or `nil` for an unknown type.
    public static func integrationKey(of resource: UserIntegration) -> IntegrationKey? {
        IntegrationType(rawValue: resource.spec.type).map { IntegrationKey(userID: resource.spec.userId, type: $0) }
    }

    public func plan(
        _ resource: UserIntegration, secretRef: SecretReferenceValue?, vault: VaultObservation, now: Date
    ) -> ReconcilePlan {
        var status = resource.status ?? UserIntegration.Status()
        let generation = resource.metadata.generation
        status.observedGeneration = generation
        guard let key = Self.integrationKey(of: resource) else {
            return failed(
                status, reason: ConditionReason.invalidSpec, message: "unknown integration type \(resource.spec.type)",
                generation: generation, now: now)
        }
        status.vaultSecretName = key.secretName
        if let refusal = Self.ownershipRefusal(resource, key: key, vault: vault) {
            return refused(resource, reason: refusal.reason, message: refusal.message, now: now)
        }
        guard let reference = resource.spec.secretRef else {
            return observe(status, vault: vault, generation: generation, now: now)
        }
        switch secretRef ?? .secretNotFound {
        case .notAllowed:
            return refused(
                resource, reason: ConditionReason.secretNotAllowed,
                message:
                    "Secret \(reference.name) does not carry the label \(UserIntegration.allowPushLabel)=true that lets it be pushed to Key Vault",
                now: now)
        case .secretNotFound, .keyNotFound:
            let message =
                secretRef == .keyNotFound
                ? "Secret \(reference.name) has no key \(reference.key)" : "Secret \(reference.name) does not exist"
            var plan = notConfigured(
                status, reason: ConditionReason.secretRefNotFound, message: message, generation: generation, now: now)
            plan.event = PlanEvent(reason: ConditionReason.secretRefNotFound, note: message, warning: true)
            return plan
        case .value(let data):
            guard let value = String(data: data, encoding: .utf8) else {
                return failed(
                    status, reason: ConditionReason.invalidSecretValue,
                    message: "the value of \(reference.name)/\(reference.key) is not UTF-8 text",
                    generation: generation, now: now)
            }
            guard data.count <= SecretNames.maxValueBytes else {
                return failed(
                    status, reason: ConditionReason.invalidSecretValue,
                    message:
                        "the value of \(reference.name)/\(reference.key) is \(data.count) bytes; Key Vault takes at most \(SecretNames.maxValueBytes)",
                    generation: generation, now: now)
            }
            var expiresAt: Date?
            if let text = resource.spec.expiresAt {
                guard let parsed = Self.parseTime(text) else {
                    return failed(
                        status, reason: ConditionReason.invalidSpec, message: "expiresAt is not RFC 3339: \(text)",
                        generation: generation, now: now)
                }
                expiresAt = parsed
            }
            let desired = DesiredVaultSecret(
                name: key.secretName, value: value, expiresAt: expiresAt,
                tags: [
                    Self.managedByTag: Self.managerName, "user-id": key.userID, "integration-type": key.type.rawValue,
                    "owner": resource.ownerReference,
                ])
            return push(status, desired: desired, type: key.type, vault: vault, generation: generation, now: now)
        }
    }

    /// Why the resource may not act on (or show) the vault secret of its user, if it may not: it is
    /// another resource's, no resource's without `adopt`, or disabled. The message names no other
    /// tenant's objects.
    static func ownershipRefusal(
        _ resource: UserIntegration, key: IntegrationKey, vault: VaultObservation
    ) -> (reason: String, message: String)? {
        let integration = "the Key Vault secret of user \(key.userID) \(key.type.rawValue)"
        let pushes = resource.spec.secretRef != nil
        let owner: String?
        switch vault {
        case .missing:
            return nil
        case .present(let secret) where !secret.properties.enabled:
            guard pushes else { return nil }  // observe mode reports it as not configured
            return (
                ConditionReason.vaultSecretDisabled,
                "\(integration) is disabled; the operator never re-enables it (an administrator may have disabled a leaked credential)"
            )
        case .present(let secret):
            owner = secret.properties.tags["owner"]
            // An app's own secret, observed: what observe mode is for.
            if owner == nil && !pushes { return nil }
        case .deleted(let deletedOwner):
            owner = deletedOwner
        }
        if owner == resource.ownerReference { return nil }
        if owner != nil {
            return (ConditionReason.conflict, "\(integration) belongs to another UserIntegration")
        }
        if resource.adopts { return nil }
        return (
            ConditionReason.conflict,
            "\(integration) exists but no UserIntegration owns it (written by an app, by hand or soft-deleted); annotate this resource \(UserIntegration.adoptAnnotation)=true to take it over"
        )
    }

    /// A refusal (`Conflict`, `UserNotAllowed`, …): `error`, with a Warning event, and nothing of the
    /// vault secret shown (no masked key, version or expiry: it may be someone else's).
    public func refused(_ resource: UserIntegration, reason: String, message: String, now: Date) -> ReconcilePlan {
        var status = resource.status ?? UserIntegration.Status()
        status.observedGeneration = resource.metadata.generation
        status.vaultSecretName = Self.integrationKey(of: resource)?.secretName
        status.maskedKey = nil
        status.vaultSecretVersion = nil
        status.expiresAt = nil
        var plan = failed(status, reason: reason, message: message, generation: resource.metadata.generation, now: now)
        plan.event = PlanEvent(reason: reason, note: message, warning: true)
        return plan
    }

    /// The status after a failed attempt: `error`, with the reason the error's code gives.
    public func failure(_ resource: UserIntegration, error: KeyVaultError, now: Date) -> UserIntegration.Status {
        let reason: String
        switch error.code {
        case .connectionFailed, .tlsFailed: reason = ConditionReason.keyVaultUnavailable
        case .throttled: reason = ConditionReason.throttled
        case .authenticationFailed: reason = ConditionReason.keyVaultAuthFailed
        case .invalidInput: reason = ConditionReason.invalidSecretValue
        default: reason = ConditionReason.keyVaultError
        }
        var status = resource.status ?? UserIntegration.Status()
        status.observedGeneration = resource.metadata.generation
        return failed(
            status, reason: reason, message: error.description, generation: resource.metadata.generation, now: now
        ).status
    }

    // MARK: Cases

    private func push(
        _ status: UserIntegration.Status, desired: DesiredVaultSecret, type: IntegrationType, vault: VaultObservation,
        generation: Int?, now: Date
    ) -> ReconcilePlan {
        let action: ReconcilePlan.VaultAction
        var written = Secret(
            properties: SecretProperties(name: desired.name, expiresAt: desired.expiresAt, tags: desired.tags),
            value: desired.value)
        switch vault {
        case .present(let current) where Self.matches(current, desired):
            action = .none
            written = current
        case .deleted:
            action = .recoverAndWrite(desired)
        default:
            action = .write(desired)
        }
        var plan = settled(
            status, secret: written, type: type, syncedReason: ConditionReason.synced, generation: generation, now: now)
        plan.vaultAction = action
        // One event per plan: an ExpiringSoon warning wins over the write's Normal event.
        if action != .none, plan.event == nil {
            plan.event = PlanEvent(
                reason: ConditionReason.synced, note: "wrote Key Vault secret \(desired.name)", warning: false)
        }
        return plan
    }

    private func observe(
        _ status: UserIntegration.Status, vault: VaultObservation, generation: Int?, now: Date
    ) -> ReconcilePlan {
        guard case .present(let secret) = vault, secret.properties.enabled,
            let type = IntegrationKey(secretName: secret.properties.name)?.type
        else {
            return notConfigured(
                status, reason: ConditionReason.notConfigured, message: "no enabled secret in Key Vault",
                generation: generation, now: now)
        }
        return settled(
            status, secret: secret, type: type, syncedReason: ConditionReason.observed, generation: generation, now: now
        )
    }

    /// A resource whose vault secret is (or will be) `secret`: connected or expired.
    private func settled(
        _ status: UserIntegration.Status, secret: Secret, type: IntegrationType, syncedReason: String, generation: Int?,
        now: Date
    ) -> ReconcilePlan {
        var status = status
        let stamp = Self.formatTime(now)
        let integration = Integration(type: type, secret: secret, now: now)
        status.state = UserIntegration.State(integration.status)
        status.maskedKey = integration.maskedKey
        status.vaultSecretVersion =
            secret.properties.version.isEmpty ? status.vaultSecretVersion : secret.properties.version
        status.expiresAt = secret.properties.expiresAt.map(Self.formatTime)
        status.lastSyncTime = stamp
        var conditions = status.conditions ?? []
        conditions.set(
            Condition.keyVaultSynced, .true, reason: syncedReason, message: "the Key Vault secret is current",
            generation: generation, now: stamp)
        var requeue: Duration?
        let warningSeconds = Double(expiryWarning.components.seconds)
        if integration.status == .expired {
            conditions.set(
                Condition.expired, .true, reason: ConditionReason.expired, message: "the credential expired",
                generation: generation, now: stamp)
            conditions.set(
                Condition.ready, .false, reason: ConditionReason.expired, message: "the credential expired",
                generation: generation, now: stamp)
        } else {
            conditions.set(
                Condition.expired, .false, reason: ConditionReason.valid, message: "the credential has not expired",
                generation: generation, now: stamp)
            conditions.set(
                Condition.ready, .true, reason: syncedReason, message: "connected", generation: generation, now: stamp)
            if let expiry = secret.properties.expiresAt {
                // Looked at again when the warning starts, then at the expiry itself.
                let warningStarts = expiry - warningSeconds
                requeue = Self.delay(until: warningStarts > now ? warningStarts : expiry, from: now)
            }
        }
        let wasExpiringSoon = conditions[Condition.expiringSoon]?.status == .true
        var event: PlanEvent?
        if integration.status != .expired, let expiry = secret.properties.expiresAt,
            expiry.timeIntervalSince(now) <= warningSeconds
        {
            let message = "the credential expires at \(Self.formatTime(expiry))"
            conditions.set(
                Condition.expiringSoon, .true, reason: ConditionReason.expiringSoon, message: message,
                generation: generation, now: stamp)
            if !wasExpiringSoon {
                event = PlanEvent(reason: ConditionReason.expiringSoon, note: message, warning: true)
            }
        } else {
            // Absent unless it holds: no status write for the resources it never concerned.
            conditions.removeAll { $0.type == Condition.expiringSoon }
        }
        status.conditions = conditions
        var plan = ReconcilePlan(vaultAction: .none, status: status, requeueAfter: requeue)
        plan.event = event
        return plan
    }

    private static func delay(until date: Date, from now: Date) -> Duration {
        .milliseconds(max(1, Int((date.timeIntervalSince(now) * 1000).rounded(.up))))
    }

    private func notConfigured(
        _ status: UserIntegration.Status, reason: String, message: String, generation: Int?, now: Date
    ) -> ReconcilePlan {
        var status = status
        let stamp = Self.formatTime(now)
        status.state = .notConfigured
        status.maskedKey = nil
        status.vaultSecretVersion = nil
        status.expiresAt = nil
        var conditions = status.conditions ?? []
        conditions.set(Condition.ready, .false, reason: reason, message: message, generation: generation, now: stamp)
        conditions.set(
            Condition.keyVaultSynced, .false, reason: reason, message: message, generation: generation, now: stamp)
        status.conditions = conditions
        return ReconcilePlan(vaultAction: .none, status: status, requeueAfter: nil)
    }

    private func failed(
        _ status: UserIntegration.Status, reason: String, message: String, generation: Int?, now: Date
    ) -> ReconcilePlan {
        var status = status
        let stamp = Self.formatTime(now)
        status.state = .error
        var conditions = status.conditions ?? []
        conditions.set(Condition.ready, .false, reason: reason, message: message, generation: generation, now: stamp)
        conditions.set(
            Condition.keyVaultSynced, .false, reason: reason, message: message, generation: generation, now: stamp)
        status.conditions = conditions
        return ReconcilePlan(vaultAction: .none, status: status, requeueAfter: nil)
    }

    // MARK: Helpers

    /// Whether the vault already holds the desired value, expiry (to the second) and tags.
    static func matches(_ current: Secret, _ desired: DesiredVaultSecret) -> Bool {
        let expiry = { (date: Date?) in date.map { Int($0.timeIntervalSince1970) } }
        return current.properties.enabled && current.value == desired.value
            && expiry(current.properties.expiresAt) == expiry(desired.expiresAt)
            && desired.tags.allSatisfy { current.properties.tags[$0.key] == $0.value }
    }

    /// An RFC 3339 time, with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        let upper = text.uppercased()
        return try? Date.ISO8601FormatStyle(includingFractionalSeconds: upper.contains(".")).parse(upper)
    }

    /// `2006-01-02T15:04:05Z` (a format style: an `ISO8601DateFormatter` costs a hundred times more).
    static func formatTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }
}
