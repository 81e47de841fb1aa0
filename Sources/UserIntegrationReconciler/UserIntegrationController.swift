import ControllerRuntime
import Foundation
public import KeyVault
public import Kubernetes
public import Logging
import Metrics
import Redis
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

        public init(
            namespaces: [String] = [], concurrency: Int = 4, resyncPeriod: Duration = .seconds(600), identity: String = "keyvault-operator",
            vaultRequestsPerSecond: Int = 300
        ) {
            self.namespaces = namespaces
            self.concurrency = max(1, concurrency)
            self.resyncPeriod = resyncPeriod
            self.identity = identity
            self.vaultRequestsPerSecond = max(1, vaultRequestsPerSecond)
        }
    }

    let configuration: Configuration
    let kube: KubernetesClient
    let vault: CachedClient
    let logger: Logger
    let queue = WorkQueue(name: controllerName)
    let planner = ReconcilePlanner()
    let events: EventRecorder
    let resources: [Informer<UserIntegration>]
    let secrets: [Informer<PartialObjectMetadata>]
    /// Why the vault is considered down (unreachable, throttling), if it is; cleared by `watchVaultRecovery`.
    let vaultDown = Mutex<ErrorCode?>(nil)
    /// Vault calls in a row that ran out of retries on 429 (any success resets it).
    let throttledStreak = Atomic<Int>(0)
    /// Reconciles done, by result (`success`, `error`, `requeue`).
    let results = Mutex<[String: Int]>([:])

    static let secretIndex = "secretRef"
    static let integrationIndex = "integration"
    /// What this process last put in Redis per integration (to tell its own notifications apart).
    let warmedVersions = WarmedVersions()
    /// The `controller` label of the reconcile metrics and the work queue's name.
    static let controllerName = "userintegration"
    let reconcileTimer = Timer(label: "controller_runtime_reconcile_time_seconds", dimensions: [("controller", controllerName)])

    public init(configuration: Configuration, kube: KubernetesClient, vault: CachedClient, logger: Logger) {
        self.configuration = configuration
        self.kube = kube
        self.vault = vault
        self.logger = logger
        let scopes: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
        // Shared copies of what cached resources hold alike (see `UserIntegration.cached`).
        let interners = UserIntegration.Interners()
        resources = scopes.map { namespace in
            Informer<UserIntegration>(
                client: kube, resource: UserIntegration.resource, namespace: namespace, resyncPeriod: configuration.resyncPeriod,
                indexers: [
                    Self.secretIndex: { resource in resource.spec.secretRef.map { ["\(resource.metadata.namespace ?? "")/\($0.name)"] } ?? [] },
                    Self.integrationIndex: { resource in ReconcilePlanner.integrationKey(of: resource).map { [Self.indexValue($0)] } ?? [] },
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
        events = EventRecorder(client: kube, controller: "integrations.keyvault.dev/keyvault-operator", instance: configuration.identity, logger: logger)
    }

    /// Whether every informer has loaded its first list.
    public var hasSynced: Bool { resources.allSatisfy(\.hasSynced) && secrets.allSatisfy(\.hasSynced) }

    /// The token bucket that holds the vault client's requests to `requestsPerSecond`, with a
    /// tenth of a second's worth of burst: no one-second window sees more than 1.1× the budget.
    public static func vaultBudget(requestsPerSecond: Int) -> TokenBucket {
        TokenBucket(qps: Double(max(1, requestsPerSecond)), burst: max(1, requestsPerSecond / 10))
    }

    /// Over how long a pass of periodic checks is spread: a tenth of the period, longer when that
    /// would ask more than half the vault budget, and never more than half the period.
    var resyncSpread: Duration {
        let count = resources.reduce(0) { $0 + $1.count }
        let needed = Duration.seconds(Double(count) / (Double(configuration.vaultRequestsPerSecond) / 2))
        return min(configuration.resyncPeriod / 2, max(configuration.resyncPeriod / 10, needed))
    }

    /// Runs the informers, the queue timer and the workers until cancelled.
    public func run() async throws {
        for informer in resources {
            informer.addHandler { [queue, weak self] change in
                switch change {
                case .added(let object) where Self.isReconciled(object):
                    // Found at start-up (or on a relist) as a previous run left it: checked with the
                    // periodic checks, behind new work and spread out, not all at once.
                    queue.add(Self.key(object), after: (self?.resyncSpread ?? .zero) * Double.random(in: 0...1), priority: .resync)
                case .added(let object), .deleted(let object): queue.add(Self.key(object))
                case .updated(let old, let new):
                    if Self.needsReconcile(old: old, new: new) { queue.add(Self.key(new)) }
                case .resync(let object):
                    // Spread out: no burst of vault reads every period.
                    queue.add(Self.key(object), after: (self?.resyncSpread ?? .zero) * Double.random(in: 0...1), priority: .resync)
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
        await withThrowingTaskGroup(of: Void.self) { sources in
            for informer in resources { sources.addTask { try await informer.run() } }
            for informer in secrets { sources.addTask { try await informer.run() } }
            sources.addTask { await self.queue.run() }
            sources.addTask { await self.watchVaultRecovery() }
            // App writes arrive on the subscription's thread; one consumer checks them in order.
            let (changed, changes) = AsyncStream.makeStream(of: Set<IntegrationKey>.self)
            sources.addTask {
                await self.vault.integrationInvalidations(logger: self.logger).run { [weak self] in self?.enqueueInvalidated($0, changes) }
            }
            sources.addTask {
                for await integrations in changed { await self.requeueChanged(integrations) }
            }
            // As controller-runtime, the workers start once the caches have synced: a start-up's
            // reconciles would slow the API server's first lists, and reconcile from a partial cache.
            while !hasSynced, !Task.isCancelled { try? await Task.sleep(for: .milliseconds(20)) }
            // The workers end when the queue shuts down (`shutDown()`), each after its current
            // reconcile; cancellation (lost leadership) interrupts them.
            await withTaskGroup(of: Void.self) { workers in
                for _ in 0..<configuration.concurrency { workers.addTask { await self.work() } }
            }
            sources.cancelAll()
        }
    }

    /// Stops intake: no new reconcile starts; `run()` returns once those in flight are done.
    public func shutDown() {
        queue.shutDown()
    }

    /// Whether an update asks for a reconcile: a new generation (spec), a deletion, or the loss of
    /// this operator's finalizer. Status-only updates, and the finalizer's own addition, do not.
    static func needsReconcile(old: UserIntegration, new: UserIntegration) -> Bool {
        let finalizerLost = old.metadata.finalizers != new.metadata.finalizers && !(new.metadata.finalizers ?? []).contains(UserIntegration.finalizer)
        return old.metadata.generation != new.metadata.generation || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp || finalizerLost
    }

    /// Whether a previous reconcile finished with this generation (finalizer set, status observed it).
    static func isReconciled(_ object: UserIntegration) -> Bool {
        object.metadata.deletionTimestamp == nil && object.status?.observedGeneration == object.metadata.generation
            && (object.metadata.finalizers ?? []).contains(UserIntegration.finalizer)
    }

    private func enqueueReferencing(_ secret: PartialObjectMetadata) {
        let reference = "\(secret.metadata.namespace ?? "")/\(secret.metadata.name ?? "")"
        for informer in resources {
            informer.byIndex(Self.secretIndex, reference).forEach { queue.add(Self.key($0)) }
        }
    }

    /// Requeues the resources whose Redis entries someone else changed: an app wrote the
    /// integration through the library (vault write, then Redis invalidation), or Redis lost data.
    /// An entry that still holds the version this process warmed is its own write.
    private func enqueueInvalidated(_ notification: RedisKeyInvalidations.Notification, _ changes: AsyncStream<Set<IntegrationKey>>.Continuation) {
        switch notification {
        case .keys(let keys):
            // Only integrations this operator has resources for (Redis may serve many).
            let integrations = Set(keys.compactMap(vault.integration(ofCacheKey:))).filter { !resources(for: $0).isEmpty }
            if !integrations.isEmpty { changes.yield(integrations) }
        case .everything:
            for informer in resources {
                informer.forEach { queue.add(Self.key($0), priority: .resync) }
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
            if warmedVersions.isOwn(integration, cachedVersion: cached?.properties.version) { continue }
            resources(for: integration).forEach { queue.add(Self.key($0)) }
        }
    }

    private func resources(for integration: IntegrationKey) -> [UserIntegration] {
        resources.flatMap { $0.byIndex(Self.integrationIndex, Self.indexValue(integration)) }
    }

    static func indexValue(_ key: IntegrationKey) -> String { key.logicalKey.lowercased() }

    private func work() async {
        while let key = await queue.next() {
            await reconcile(key: key)
            queue.done(key)
        }
    }

    static func key(_ object: UserIntegration) -> String {
        "\(object.metadata.namespace ?? "")/\(object.metadata.name ?? "")"
    }

    func cached(_ key: String) -> UserIntegration? {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        for informer in resources {
            if let object = informer.get(namespace: parts[0], name: parts[1]) { return object }
        }
        return nil
    }

    /// Counts a reconcile by result (`controller_runtime_reconcile_total`) and records its duration.
    func count(_ result: String, since start: ContinuousClock.Instant) {
        reconcileTimer.record(duration: ContinuousClock.now - start)
        Counter(label: "controller_runtime_reconcile_total", dimensions: [("controller", Self.controllerName), ("result", result)]).increment()
        results.withLock { $0[result, default: 0] += 1 }
    }

    /// Reconciles so far, by result.
    public var reconcileResults: [String: Int] { results.withLock { $0 } }
}
