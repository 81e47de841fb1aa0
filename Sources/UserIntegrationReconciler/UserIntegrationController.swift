import ControllerRuntime
import Foundation
public import KeyVault
public import Kubernetes
public import Logging
import Metrics
import Synchronization

/// The operator's controller: watches UserIntegrations and (metadata-only) the Secrets they
/// reference, and reconciles each changed resource into Key Vault and Redis, writing status back.
public final class UserIntegrationController: Sendable {
    public struct Configuration: Sendable {
        /// Namespaces to watch; empty for all.
        public var namespaces: [String]
        public var concurrency: Int
        /// How often every resource is checked against the vault (±10 % per pass, the pass spread
        /// over `resyncSpread`).
        public var resyncPeriod: Duration
        public var identity: String
        /// The operator's budget of vault requests a second, which resyncs are spread to stay well
        /// within. The vault client's request gate enforces it (`vaultBudget(requestsPerSecond:)`).
        public var vaultRequestsPerSecond: Int
        /// Which users a namespace's resources may name.
        public var userBinding: UserBinding
        /// Whether a referenced Secret must carry `integrations.keyvault.dev/allow-push: "true"`.
        public var requireSecretLabel: Bool
        /// How long before a credential's expiry `ExpiringSoon` is set and a Warning recorded.
        public var expiryWarning: Duration
        /// Only the UserIntegrations this label selector matches are watched (a shard's share);
        /// `nil` watches all.
        public var labelSelector: String?

        public init(
            namespaces: [String] = [], concurrency: Int = 4, resyncPeriod: Duration = .seconds(600),
            identity: String = "keyvault-operator",
            vaultRequestsPerSecond: Int = 300, userBinding: UserBinding = .any, requireSecretLabel: Bool = false,
            expiryWarning: Duration = .seconds(7 * 86_400), labelSelector: String? = nil
        ) {
            self.namespaces = namespaces
            self.concurrency = max(1, concurrency)
            self.resyncPeriod = resyncPeriod
            self.identity = identity
            self.vaultRequestsPerSecond = max(1, vaultRequestsPerSecond)
            self.userBinding = userBinding
            self.requireSecretLabel = requireSecretLabel
            self.expiryWarning = expiryWarning
            self.labelSelector = labelSelector
        }
    }

    let configuration: Configuration
    let vault: CachedClient
    let logger: Logger
    let queue = WorkQueue<ObjectKey>(name: controllerName)
    let resources: [Informer<UserIntegration>]
    let secrets: [Informer<PartialObjectMetadata>]
    /// Metadata only, under `namespaceAnnotation` binding: each Namespace's allowed users.
    let namespaces: Informer<PartialObjectMetadata>?
    let circuit: VaultCircuit
    let reconciler: IntegrationReconciler
    let controller: Controller<IntegrationReconciler>

    static let secretIndex = "secretRef"
    static let integrationIndex = "integration"
    /// The `controller` label of the reconcile metrics and the work queue's name.
    static let controllerName = "userintegration"

    public init(configuration: Configuration, kube: KubernetesClient, vault: CachedClient, logger: Logger) {
        self.configuration = configuration
        self.vault = vault
        self.logger = logger
        let scopes: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
        // Shared copies of what cached resources hold alike (see `UserIntegration.cached`).
        let interners = UserIntegration.Interners()
        resources = scopes.map { namespace in
            Informer<UserIntegration>(
                client: kube, resource: UserIntegration.resource, namespace: namespace,
                labelSelector: configuration.labelSelector, resyncPeriod: configuration.resyncPeriod,
                indexers: [
                    Self.secretIndex: { resource in
                        resource.spec.secretRef.map {
                            [ObjectKey(namespace: resource.metadata.namespace, name: $0.name).description]
                        } ?? []
                    },
                    Self.integrationIndex: { resource in
                        ReconcilePlanner.integrationKey(of: resource).map { [Self.indexValue($0)] } ?? []
                    },
                ],
                transform: { [interners] in $0.cached(interners) }, logger: logger)
        }
        secrets = scopes.map {
            // Secrets only route events to the resources that reference them: names are enough.
            Informer<PartialObjectMetadata>(
                client: kube, resource: .secrets, namespace: $0, metadataOnly: true,
                transform: { [strings = interners.strings] secret in
                    var identity = secret.metadata.identity
                    identity.namespace = identity.namespace.map(strings.intern)
                    return PartialObjectMetadata(metadata: identity)
                }, logger: logger)
        }
        namespaces =
            configuration.userBinding == .namespaceAnnotation
            ? Informer<PartialObjectMetadata>(
                client: kube, resource: .namespaces, metadataOnly: true,
                transform: { namespace in
                    // The name, the version and the one annotation read.
                    var kept = namespace.metadata.identity
                    let allowed = namespace.metadata.annotations?[UserIntegration.allowedUsersAnnotation]
                    kept.annotations = allowed.map { [UserIntegration.allowedUsersAnnotation: $0] }
                    return PartialObjectMetadata(metadata: kept)
                }, logger: logger) : nil
        circuit = VaultCircuit(
            vaultURL: vault.config.keyVault.vaultURL, throttledCallsToOpen: configuration.concurrency)
        reconciler = IntegrationReconciler(
            kube: kube, vault: vault,
            events: EventRecorder(
                client: kube, controller: "integrations.keyvault.dev/keyvault-operator",
                instance: configuration.identity,
                // A backlog of reconciles: their status and finalizer writes come before Events.
                isBusy: { [queue, concurrency = configuration.concurrency] in queue.depth >= concurrency },
                logger: logger),
            circuit: circuit, warmedVersions: WarmedVersions(), resources: resources, secrets: secrets,
            namespaces: namespaces, requireSecretLabel: configuration.requireSecretLabel,
            planner: ReconcilePlanner(expiryWarning: configuration.expiryWarning), logger: logger)
        let sources: [any CacheSource] = resources + secrets + (namespaces.map { [$0] } ?? [])
        controller = Controller(
            name: Self.controllerName, reconciler: reconciler, queue: queue, sources: sources,
            concurrency: configuration.concurrency,
            logger: logger)
    }

    /// Whether every informer has loaded its first list.
    public var hasSynced: Bool { controller.hasSynced }

    /// The token bucket that holds the vault client's requests to `requestsPerSecond`, with 8 %
    /// of a second's worth of burst: no one-second window, counted where the requests arrive, sees
    /// more than 1.1× the budget. (A burst of a full tenth made exactly 1.1× at the sender, and
    /// the requests' own jitter on the way put 331 or 332 in one second of the vault's count at 300.)
    public static func vaultBudget(requestsPerSecond: Int) -> TokenBucket {
        // 8 % without overflowing for any Int the flag accepts.
        TokenBucket(
            qps: Double(max(1, requestsPerSecond)),
            burst: max(1, requestsPerSecond / 100 * 8 + requestsPerSecond % 100 * 8 / 100))
    }

    /// Over how long a pass of periodic checks is spread: a tenth of the period, longer when that
    /// would ask more than half the vault budget, and never more than half the period.
    var resyncSpread: Duration {
        let count = resources.reduce(0) { $0 + $1.count }
        let needed = Duration.seconds(Double(count) / (Double(configuration.vaultRequestsPerSecond) / 2))
        return min(configuration.resyncPeriod / 2, max(configuration.resyncPeriod / 10, needed))
    }

    /// Runs the informers, the queue timer and the workers until `shutDown()` drains them (or
    /// the task is cancelled, as on lost leadership), with the watchers that feed the queue.
    public func run() async throws {
        addHandlers()
        // Events are written beside the reconciles, which only queue them.
        async let recording: Void = reconciler.events.run()
        await withTaskGroup(of: Void.self) { watchers in
            watchers.addTask { await self.watchVaultRecovery() }
            // App writes arrive on the subscription's thread; one consumer checks them in order.
            let (changed, changes) = AsyncStream.makeStream(of: Set<IntegrationKey>.self)
            watchers.addTask {
                await self.vault.watchIntegrationInvalidations(logger: self.logger) { [weak self] in
                    self?.enqueueInvalidated($0, changes)
                }
            }
            watchers.addTask {
                for await integrations in changed { await self.requeueChanged(integrations) }
            }
            await controller.run()
            watchers.cancelAll()
        }
        reconciler.events.finish()
        await recording
    }

    /// Stops intake: no new reconcile starts; `run()` returns once those in flight are done.
    public func shutDown() {
        controller.shutDown()
    }

    /// Reconciles so far, by outcome (`success`, `error`).
    public var reconcileResults: [String: Int] {
        Dictionary(uniqueKeysWithValues: controller.outcomeCounts.map { ($0.key.rawValue, $0.value) })
    }

    /// The per-resource gauges (`userintegration_ready`, `userintegration_expiry_timestamp_seconds`)
    /// of the resources this process watches, in Prometheus text format; empty families on a
    /// standby, whose informers do not run.
    public func resourceMetrics() -> String {
        ResourceGauges.render { body in for informer in resources { informer.forEach(body) } }
    }

    private func addHandlers() {
        for informer in resources {
            informer.addHandler { [queue, weak self] change in
                switch change {
                case .added(let object) where Self.isReconciled(object):
                    // Found at start-up (or on a relist) as a previous run left it: checked with the
                    // periodic checks, behind new work and spread out, not all at once.
                    queue.add(
                        ObjectKey(object), after: (self?.resyncSpread ?? .zero) * Double.random(in: 0...1),
                        priority: .resync)
                case .added(let object), .deleted(let object): queue.add(ObjectKey(object))
                case .updated(let old, let new):
                    if Self.needsReconcile(old: old, new: new) { queue.add(ObjectKey(new)) }
                case .resync(let object):
                    // Spread out: no burst of vault reads every period.
                    queue.add(
                        ObjectKey(object), after: (self?.resyncSpread ?? .zero) * Double.random(in: 0...1),
                        priority: .resync)
                }
            }
        }
        if let namespaces {
            namespaces.addHandler { [weak self, weak namespaces] change in
                guard let self, let namespaces, namespaces.hasSynced else { return }
                switch change {
                case .added(let namespace): self.enqueue(inNamespace: namespace)
                case .updated(let old, let new)
                where old.metadata.annotations != new.metadata.annotations:
                    self.enqueue(inNamespace: new)
                case .updated, .deleted, .resync: break
                }
            }
        }
        for informer in secrets {
            informer.addHandler { [weak self, weak informer] change in
                guard let self, let informer else { return }
                switch change {
                case .added where !informer.hasSynced:
                    // The first list: every resource is queued by its own informer's first list,
                    // and reads its Secret then. Queuing it again would reconcile it twice.
                    break
                case .added(let secret), .updated(_, let secret), .deleted(let secret): self.enqueueReferencing(secret)
                case .resync: break
                }
            }
        }
    }

    /// While the vault is down, checks it every `interval`; once it answers, every resource waiting
    /// out its backoff is retried at once (convergence within seconds, not the backoff's minutes).
    func watchVaultRecovery(interval: Duration = .seconds(2)) async {
        while (try? await Task.sleep(for: interval)) != nil {
            guard circuit.isOpen, (try? await vault.vaultHealth()) != nil else { continue }
            circuit.close()
            logger.info("vault reachable again: retrying the resources that waited for it")
            queue.expediteDelayed()
        }
    }

    /// Whether an update asks for a reconcile: a new generation (spec), a deletion, the loss of
    /// the finalizer a `Delete` resource needs, the `adopt` annotation set or removed, or a new
    /// `force-sync` value. Status-only updates, other annotations and labels, and the finalizer's
    /// own addition or removal, do not.
    static func needsReconcile(old: UserIntegration, new: UserIntegration) -> Bool {
        let finalizerLost = old.hasFinalizer && !new.hasFinalizer && new.needsFinalizer
        return old.metadata.generation != new.metadata.generation
            || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp || finalizerLost
            || old.adopts != new.adopts || old.forceSyncToken != new.forceSyncToken
    }

    /// Whether a previous reconcile finished with this generation (finalizer as the deletion
    /// policy asks, status observed it).
    static func isReconciled(_ object: UserIntegration) -> Bool {
        object.metadata.deletionTimestamp == nil && object.status?.observedGeneration == object.metadata.generation
            && object.hasFinalizer == object.needsFinalizer
    }

    /// Queues every resource of a namespace whose allowed users changed (or that just appeared).
    private func enqueue(inNamespace namespace: PartialObjectMetadata) {
        let name = namespace.metadata.name
        for informer in resources {
            informer.forEach { if $0.metadata.namespace == name { queue.add(ObjectKey($0)) } }
        }
    }

    private func enqueueReferencing(_ secret: PartialObjectMetadata) {
        let reference = ObjectKey(secret).description
        for informer in resources {
            informer.byIndex(Self.secretIndex, reference).forEach { queue.add(ObjectKey($0)) }
        }
    }

    /// Requeues the resources whose Redis entries someone else changed: an app wrote the
    /// integration through the library (vault write, then Redis invalidation), or Redis lost data.
    /// An entry that still holds the version this process warmed is its own write.
    private func enqueueInvalidated(
        _ invalidation: CacheInvalidation, _ changes: AsyncStream<Set<IntegrationKey>>.Continuation
    ) {
        switch invalidation {
        case .integrations(let changed):
            // Only integrations this operator has resources for (Redis may serve many).
            let integrations = changed.filter { !resources(for: $0).isEmpty }
            if !integrations.isEmpty { changes.yield(integrations) }
        case .everything:
            for informer in resources {
                informer.forEach { queue.add(ObjectKey($0), priority: .resync) }
            }
        case .lost:
            // Nothing to requeue yet: the `.everything` of the resubscription requeues every resource.
            break
        }
    }

    /// Queues the resources of the integrations whose cache entry someone else changed (not the
    /// operator's own warm writes, invalidations or expiring entries: `WarmedVersions.isOwn`).
    private func requeueChanged(_ integrations: Set<IntegrationKey>) async {
        for integration in integrations {
            let cached = await vault.cachedSecret(integration.secretName)
            if reconciler.warmedVersions.isOwn(integration, cachedVersion: cached?.properties.version) { continue }
            resources(for: integration).forEach { queue.add(ObjectKey($0)) }
        }
    }

    private func resources(for integration: IntegrationKey) -> [UserIntegration] {
        resources.flatMap { $0.byIndex(Self.integrationIndex, Self.indexValue(integration)) }
    }

    static func indexValue(_ key: IntegrationKey) -> String { key.logicalKey.lowercased() }
}
