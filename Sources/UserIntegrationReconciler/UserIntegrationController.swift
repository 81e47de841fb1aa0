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
        /// How often every resource is checked against the vault (±10 % per pass, each resource's
        /// check spread over a tenth of the period).
        public var resyncPeriod: Duration
        public var identity: String
        /// The operator's budget of vault calls a second (also its burst). The default is 75 % of
        /// Key Vault's published limit for secrets, 4,000 transactions per 10 s per vault.
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
    let vaultBudget: TokenBucket
    let resources: [Informer<UserIntegration>]
    let secrets: [Informer<PartialObjectMetadata>]
    /// Why the vault is considered down (unreachable, throttling), if it is; cleared by `watchVaultRecovery`.
    let vaultDown = Mutex<ErrorCode?>(nil)
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
        vaultBudget = TokenBucket(qps: Double(configuration.vaultRequestsPerSecond), burst: configuration.vaultRequestsPerSecond)
        let scopes: [String?] = configuration.namespaces.isEmpty ? [nil] : configuration.namespaces
        resources = scopes.map { namespace in
            Informer<UserIntegration>(
                client: kube, resource: UserIntegration.resource, namespace: namespace, resyncPeriod: configuration.resyncPeriod,
                indexers: [
                    Self.secretIndex: { resource in resource.spec.secretRef.map { ["\(resource.metadata.namespace ?? "")/\($0.name)"] } ?? [] },
                    Self.integrationIndex: { resource in ReconcilePlanner.integrationKey(of: resource).map { [Self.indexValue($0)] } ?? [] },
                ], logger: logger)
        }
        secrets = scopes.map { Informer<PartialObjectMetadata>(client: kube, resource: .secrets, namespace: $0, metadataOnly: true, logger: logger) }
        events = EventRecorder(client: kube, controller: "integrations.keyvault.dev/keyvault-operator", instance: configuration.identity, logger: logger)
    }

    /// Whether every informer has loaded its first list.
    public var hasSynced: Bool { resources.allSatisfy(\.hasSynced) && secrets.allSatisfy(\.hasSynced) }

    /// Runs the informers, the queue timer and the workers until cancelled.
    public func run() async throws {
        let spread = configuration.resyncPeriod / 10
        for informer in resources {
            informer.addHandler { [queue] change in
                switch change {
                case .added(let object), .deleted(let object): queue.add(Self.key(object))
                case .updated(let old, let new):
                    if old.metadata.generation != new.metadata.generation || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp
                        || old.metadata.finalizers != new.metadata.finalizers
                    {
                        queue.add(Self.key(new))
                    }
                case .resync(let object):
                    // Spread over a tenth of the period: no burst of vault reads every period.
                    queue.add(Self.key(object), after: spread * Double.random(in: 0...1), priority: .resync)
                }
            }
        }
        for informer in secrets {
            informer.addHandler { [weak self] change in
                guard let self else { return }
                switch change {
                case .added(let secret), .updated(_, let secret), .deleted(let secret): self.enqueueReferencing(secret)
                case .resync: break
                }
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { sources in
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
                informer.list().forEach { queue.add(Self.key($0), priority: .resync) }
            }
        case .lost:
            // Nothing to requeue yet: the `.everything` of the resubscription requeues every resource.
            break
        }
    }

    /// Queues the resources of the integrations whose cache entry someone else wrote: the
    /// operator's own warm writes hold the version it last put there.
    private func requeueChanged(_ integrations: Set<IntegrationKey>) async {
        for integration in integrations {
            let cached = await vault.cachedSecret(integration.secretName)
            if let cached, cached.properties.version == warmedVersions.version(of: integration) { continue }
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
