import ControllerRuntime
import Foundation
import JSONReading
import KeyVault
import Kubernetes
import Logging

/// The UserIntegration reconciler, the domain half of the controller: reads a resource from the
/// informer cache, plans its state (`ReconcilePlanner`, pure), acts on Key Vault, Redis and the API
/// server, and reports in the status and in events.
final class IntegrationReconciler: Reconciler {
    let kube: KubernetesClient
    let vault: CachedClient
    let logger: Logger
    let planner: ReconcilePlanner
    let events: EventRecorder
    let circuit: VaultCircuit
    /// What this process last put in Redis per integration (to tell its own notifications apart).
    let warmedVersions: WarmedVersions
    let resources: [Informer<UserIntegration>]
    /// Serializes the reconciles of resources that name the same vault secret.
    let serialization = KeyedSerialization<String>()
    /// Metadata only: the versions of referenced Secrets the informers have seen.
    let secrets: [Informer<PartialObjectMetadata>]
    /// Metadata only, under `namespaceAnnotation` binding: the Namespaces' allowed users.
    let namespaces: Informer<PartialObjectMetadata>?
    /// Whether a referenced Secret must carry `UserIntegration.allowPushLabel`.
    let requireSecretLabel: Bool

    init(
        kube: KubernetesClient, vault: CachedClient, events: EventRecorder, circuit: VaultCircuit,
        warmedVersions: WarmedVersions,
        resources: [Informer<UserIntegration>], secrets: [Informer<PartialObjectMetadata>],
        namespaces: Informer<PartialObjectMetadata>?, requireSecretLabel: Bool, planner: ReconcilePlanner,
        logger: Logger
    ) {
        self.planner = planner
        self.kube = kube
        self.vault = vault
        self.events = events
        self.circuit = circuit
        self.warmedVersions = warmedVersions
        self.resources = resources
        self.secrets = secrets
        self.namespaces = namespaces
        self.requireSecretLabel = requireSecretLabel
        self.logger = logger
    }

    /// Reconciles one resource: finalizer, Secret, vault, cache, status, events. A vault failure is
    /// written to the status and thrown, so the key is retried with backoff.
    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult {
        guard let named = cached(key) else { return .done }
        // One reconcile at a time per vault secret, in queue order: the first resource to name a
        // user's integration writes it first and owns it; the others then see its owner tag.
        let secretName = ReconcilePlanner.integrationKey(of: named)?.secretName ?? key.description
        return try await serialization.run(secretName) {
            // Read again: the resource may have changed while it waited its turn.
            guard let resource = cached(key) else { return .done }
            return try await reconcile(resource)
        }
    }

    private func reconcile(_ resource: UserIntegration) async throws -> ReconcileResult {
        do {
            let allowed = userAllowed(resource)
            if resource.metadata.deletionTimestamp != nil {
                try await finalize(resource, userAllowed: allowed)
                return .done
            }
            guard allowed else {
                // Nothing of the user's is touched or read: no vault call, no Redis write.
                let plan = planner.refused(
                    resource, reason: ConditionReason.userNotAllowed,
                    message:
                        "namespace \(resource.metadata.namespace ?? "") may not name user \(resource.spec.userId) (its \(UserIntegration.allowedUsersAnnotation) annotation)",
                    now: Date())
                try await publish(plan, of: resource)
                return .done
            }
            return try await sync(resource)
        } catch let error as KubernetesError where error.isNotFound {
            // The resource itself is gone (a missing Secret is not an error): nothing is left to do.
            return .done
        } catch let error as KeyVaultError where !Task.isCancelled {
            if circuit.open(on: error) {
                logger.warning(
                    "vault unavailable: its calls pause until it answers a probe",
                    metadata: ["kv.error.code": "\(error.code.id)"])
            }
            let status = planner.failure(resource, error: error, now: Date())
            try? await writeStatus(resource, status)
            let reason = status.conditions?[Condition.ready]?.reason ?? ConditionReason.failed
            record(resource, PlanEvent(reason: reason, note: error.code.description, warning: true))
            throw error
        }
    }

    /// While the circuit is open every waiting resource fails at once; the warning that opened it said so.
    func logLevel(for error: any Error) -> Logger.Level {
        circuit.isOpen ? .debug : .warning
    }

    /// Whether the resource's namespace may name its user (always, without namespace binding).
    /// A namespace not seen yet allows no one; its arrival requeues its resources.
    func userAllowed(_ resource: UserIntegration) -> Bool {
        guard let namespaces else { return true }
        let namespace = namespaces.get(namespace: nil, name: resource.metadata.namespace ?? "")
        return UserBinding.allows(
            resource.spec.userId, patterns: namespace?.metadata.annotations?[UserIntegration.allowedUsersAnnotation])
    }

    func cached(_ key: ObjectKey) -> UserIntegration? {
        resources.lazy.compactMap { $0.get(key) }.first
    }

    private func sync(_ resource: UserIntegration) async throws -> ReconcileResult {
        var current = resource
        if current.needsFinalizer != current.hasFinalizer {
            // Added for `Delete`; removed when left from a policy change to `Retain`.
            let others = (current.metadata.finalizers ?? []).filter { $0 != UserIntegration.finalizer }
            current = try await setFinalizers(
                current, current.needsFinalizer ? others + [UserIntegration.finalizer] : others)
        }
        let reference = try await readSecretReference(current)
        let key = ReconcilePlanner.integrationKey(of: current)
        // The status names the vault secret last written or observed: another name now means
        // `userId` or `type` changed in place, and the old one is let go as a deletion would.
        if let key, let previous = current.status?.vaultSecretName, previous != key.secretName {
            logger.info(
                "userId or type changed: releasing the previous vault secret",
                metadata: ["k8s.object": "\(ObjectKey(current))", "kv.secret.name": "\(previous)"])
            try await release(previous, of: current)
        }
        guard let key else {
            try await writeStatus(
                current, planner.plan(current, secretRef: reference, vault: .missing, now: Date()).status)
            return .done
        }
        let observed = try await observe(key.secretName)
        var plan = planner.plan(current, secretRef: reference, vault: observed, now: Date())
        var vaultSecret: Secret?
        if case .present(let secret) = observed { vaultSecret = secret }
        do {
            try await apply(&plan, to: &vaultSecret)
        } catch let error as KeyVaultError where error.code == .deletedButRecoverable {
            // The name is soft-deleted: recovered only if it was this resource's (or it adopts).
            let owner = try await circuit.call { try await vault.deletedVaultSecret(key.secretName) }.tags["owner"]
            plan = planner.plan(current, secretRef: reference, vault: .deleted(owner: owner), now: Date())
            vaultSecret = nil
            try await apply(&plan, to: &vaultSecret)
        }
        var conditions = plan.status.conditions ?? []
        let stamp = ReconcilePlanner.formatTime(Date())
        if let problem = await vault.cacheProblem() {
            conditions.set(
                Condition.cacheWarmed, .false, reason: ConditionReason.cacheUnavailable,
                message: "Redis is unreachable: \(problem)", generation: current.metadata.generation, now: stamp)
        } else {
            await updateCache(
                key, ReconcilePlanner.cacheAction(from: current.status?.state, to: plan.status.state),
                secret: vaultSecret)
            conditions.set(
                Condition.cacheWarmed, .true, reason: ConditionReason.warmed, message: "Redis holds the current entry",
                generation: current.metadata.generation, now: stamp)
        }
        plan.status.conditions = conditions
        try await publish(plan, of: current)
        return ReconcileResult(requeueAfter: plan.requeueAfter)
    }

    /// Writes the plan's status and records its event, if any.
    private func publish(_ plan: ReconcilePlan, of resource: UserIntegration) async throws {
        try await writeStatus(resource, plan.status)
        if let event = plan.event { record(resource, event) }
    }

    /// Carries out the plan's vault action; the version written goes into the status.
    private func apply(_ plan: inout ReconcilePlan, to vaultSecret: inout Secret?) async throws {
        switch plan.vaultAction {
        case .none:
            break
        case .write(let desired), .recoverAndWrite(let desired):
            let properties = try await write(desired, recoverFirst: plan.vaultAction == .recoverAndWrite(desired))
            plan.status.vaultSecretVersion = properties.version
            vaultSecret = Secret(properties: properties, value: desired.value)
        }
    }

    /// Applies the plan's cache action, noting the version Redis holds now.
    private func updateCache(_ key: IntegrationKey, _ action: CacheAction, secret: Secret?) async {
        switch action {
        case .warm:
            guard let secret else { return }
            let version = secret.properties.version
            let started = ContinuousClock.now
            warmedVersions.expect(key, version: version, expiresIn: vault.config.cacheTTL)
            if await vault.warm(secret) {
                // The entry was written during the warm, so it expires no earlier than a TTL after
                // its start. A TTL from now would be later than the real expiry by the warm's own
                // time, and under load (over a second) the expiry would look early, like someone
                // else's removal, and cost a vault read.
                warmedVersions.record(key, version: version, expiresAt: started + vault.config.cacheTTL)
            } else if let left = await vault.cachedTimeToLive(secretName: key.secretName) {
                // An entry already current (a resync, or one warmed before a restart) expires when it was written to.
                warmedVersions.record(key, version: version, expiresAt: .now + left)
            }
        case .invalidate:
            warmedVersions.record(key, version: nil)
            await vault.invalidate(secretName: key.secretName)
        case .dropValue:
            warmedVersions.record(key, version: nil)
            await vault.dropCachedValue(secretName: key.secretName)
        case .none:
            break
        }
    }

    /// Under `Delete`, deletes the resource's own vault secret and invalidates Redis, then removes
    /// the finalizer. Another owner's secret, or a user the namespace may not name, is left alone;
    /// under `Retain` (a finalizer not yet removed after a policy change) nothing is touched.
    private func finalize(_ resource: UserIntegration, userAllowed: Bool) async throws {
        guard resource.hasFinalizer else { return }
        if userAllowed, resource.needsFinalizer, let key = ReconcilePlanner.integrationKey(of: resource) {
            try await release(key.secretName, of: resource)
        }
        _ = try await setFinalizers(
            resource, (resource.metadata.finalizers ?? []).filter { $0 != UserIntegration.finalizer })
    }

    /// Lets go of a vault secret the resource no longer names (deleted, or its `userId` or `type`
    /// changed): applies its `deletionPolicy` to the secret if the resource owns it, and
    /// invalidates Redis for a secret it owns or that is gone. Another owner's is left alone.
    private func release(_ secretName: String, of resource: UserIntegration) async throws {
        let observed = try await observe(secretName)
        var owned = false
        if case .present(let secret) = observed {
            owned = secret.properties.tags["owner"] == resource.ownerReference
        }
        if owned && resource.spec.deletionPolicy ?? .delete == .delete {
            do {
                try await circuit.call { try await vault.deleteSecret(secretName) }
            } catch let error as KeyVaultError where error.code == .secretNotFound {}
            record(
                resource,
                PlanEvent(
                    reason: ConditionReason.deleted, note: "deleted Key Vault secret \(secretName)", warning: false))
        }
        if owned || observed == .missing { await vault.invalidate(secretName: secretName) }
    }

    private func readSecretReference(_ resource: UserIntegration) async throws -> SecretReferenceValue? {
        guard let reference = resource.spec.secretRef else { return nil }
        let namespace = resource.metadata.namespace
        // At the version the Secret informer has seen, the API server answers from its watch cache
        // (no etcd read per reconcile); a Secret not seen yet is read from etcd.
        let seen = secrets.lazy.compactMap {
            $0.get(namespace: namespace, name: reference.name)?.metadata.resourceVersion
        }.first
        do {
            let secret = try await kube.get(
                KubernetesSecret.self, .secrets, namespace: namespace, name: reference.name, resourceVersion: seen)
            if requireSecretLabel && secret.metadata.labels?[UserIntegration.allowPushLabel] != "true" {
                return .notAllowed
            }
            return secret.value(forKey: reference.key).map { .value($0) } ?? .keyNotFound
        } catch let error as KubernetesError where error.isNotFound {
            return .secretNotFound
        }
    }

    private func observe(_ name: String) async throws -> VaultObservation {
        do {
            return .present(try await circuit.call { try await vault.vaultSecret(name) })
        } catch let error as KeyVaultError where error.code == .secretNotFound {
            return .missing
        } catch let error as KeyVaultError where error.code == .secretDisabled {
            return .present(Secret(properties: SecretProperties(name: name, enabled: false), value: ""))
        }
    }

    /// Writes the vault only: the reconcile's cache action (warm, or invalidate for an expired
    /// value) follows and rewrites every cache entry, so invalidating first would be a second Redis
    /// write, and a notification this operator would take for someone else's.
    private func write(_ desired: DesiredVaultSecret, recoverFirst: Bool) async throws -> SecretProperties {
        let attributes = SecretAttributes(expiresAt: desired.expiresAt, tags: desired.tags)
        if recoverFirst { try await recover(desired.name) }
        return try await circuit.call {
            try await vault.writeVaultSecret(desired.name, value: desired.value, attributes: attributes)
        }
    }

    private func recover(_ name: String) async throws {
        do {
            try await circuit.call { try await vault.recoverVaultSecret(name) }
        } catch let error as KeyVaultError where error.code == .secretNotFound {}
        // Recovery completes seconds later in real Key Vault: the write that follows gets 409
        // ObjectIsBeingRecovered meanwhile, which the library retries with backoff within its timeout.
    }

    /// Sets the finalizer list (conditional on the resourceVersion); returns the resource with the
    /// server's new list and version. Only the answer's metadata is read: the rest is what the
    /// resource already holds.
    private func setFinalizers(_ resource: UserIntegration, _ finalizers: [String]) async throws -> UserIntegration {
        var writer = JSONWriter()
        writer.object { patch in
            patch.key("metadata")
            patch.object { metadata in
                metadata.key("finalizers")
                metadata.array { list in finalizers.forEach { list.string($0) } }
                metadata.member("resourceVersion", resource.metadata.resourceVersion)
            }
        }
        let patch = writer.data
        let answer = try await kube.patch(
            PartialObjectMetadata.self, UserIntegration.resource, namespace: resource.metadata.namespace,
            name: resource.metadata.name ?? "", patch: patch)
        var patched = resource
        patched.metadata.finalizers = answer.metadata.finalizers
        patched.metadata.resourceVersion = answer.metadata.resourceVersion
        return patched
    }

    /// Writes the status through `/status`, conditional on the resourceVersion; skipped when only
    /// `lastSyncTime` would change (no status writes in a steady state).
    func writeStatus(_ resource: UserIntegration, _ status: UserIntegration.Status) async throws {
        var current = resource
        var status = status
        for attempt in 1...3 {
            var comparable = status
            comparable.lastSyncTime = current.status?.lastSyncTime
            guard comparable != current.status else { return }
            let patch = StatusPatch(status, resourceVersion: current.metadata.resourceVersion).json
            do {
                try await kube.patchDiscardingResult(
                    UserIntegration.resource, namespace: resource.metadata.namespace,
                    name: resource.metadata.name ?? "",
                    patch: patch, subresource: "status")
                return
            } catch let error as KubernetesError where error.isConflict && attempt < 3 {
                // The cache was behind (e.g. our own last write): re-read and retry, unless the
                // spec changed meanwhile, whose update event queues a fresh reconcile anyway.
                current = try await kube.get(
                    UserIntegration.self, UserIntegration.resource, namespace: resource.metadata.namespace,
                    name: resource.metadata.name ?? "")
                guard current.metadata.generation == resource.metadata.generation else { return }
                // The status was planned from the stale copy: transitions it already shows keep their times.
                status.conditions = status.conditions?.rebased(on: current.status?.conditions ?? [])
            }
        }
    }

    private func record(_ resource: UserIntegration, _ event: PlanEvent) {
        let reference = Event.Reference(
            apiVersion: resource.apiVersion, kind: resource.kind, namespace: resource.metadata.namespace,
            name: resource.metadata.name,
            uid: resource.metadata.uid, resourceVersion: resource.metadata.resourceVersion)
        events.record(
            regarding: reference, type: event.warning ? .warning : .normal, reason: event.reason, action: "Reconcile",
            note: event.note)
    }
}
