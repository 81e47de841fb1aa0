import DurationUnits
public import Logging
import Synchronization

/// Keeps an in-memory copy of a resource through list-then-watch, and tells handlers what changed.
///
/// The watch resumes from the last resourceVersion it saw (bookmarks keep it fresh); a 410 Gone
/// relists, and handlers receive the difference between the cache and the new list, so no change is
/// lost. Connection failures are retried with jittered exponential backoff; server timeouts rotate
/// the watch. An optional resync re-delivers every cached object as an update. With
/// `metadataOnly` (and `Object` = `PartialObjectMetadata`) it never holds the objects' data; a
/// `transform` trims each object before it is cached (as client-go's `SetTransform`).
public final class Informer<Object: KubernetesObject>: Sendable {
    /// What handlers are told.
    public enum Change: Sendable {
        case added(Object)
        case updated(old: Object, new: Object)
        case deleted(Object)
        /// A periodic resync of an unchanged object.
        case resync(Object)
    }
    public typealias Handler = @Sendable (Change) -> Void
    public typealias IndexFunction = @Sendable (Object) -> [String]
    public typealias Transform = @Sendable (Object) -> Object

    private let client: KubernetesClient
    private let resource: ResourceType
    private let namespace: String?
    private let labelSelector: String?
    private let resyncPeriod: Duration?
    private let metadataOnly: Bool
    private let store: InformerStore<Object>
    private let transform: Transform?
    private let handlers = Mutex<[Handler]>([])
    private let synced = Latch()
    private let logger: Logger
    /// How many times the informer listed (the first sync included), for tests and metrics.
    private let listCount = Mutex(0)

    public init(
        client: KubernetesClient, resource: ResourceType, namespace: String? = nil, labelSelector: String? = nil,
        resyncPeriod: Duration? = nil, metadataOnly: Bool = false, indexers: [String: IndexFunction] = [:],
        transform: Transform? = nil,
        logger: Logger? = nil
    ) {
        self.transform = transform
        self.metadataOnly = metadataOnly
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.labelSelector = labelSelector
        self.resyncPeriod = resyncPeriod
        self.store = InformerStore(indexers: indexers)
        self.logger = logger ?? client.logger
    }

    /// Adds a handler; call before `run()`, or it misses the initial adds.
    public func addHandler(_ handler: @escaping Handler) {
        handlers.withLock { $0.append(handler) }
    }

    /// Whether the first list has been loaded into the cache.
    public var hasSynced: Bool { synced.isOpen }

    /// Returns once the first list has been loaded into the cache (or the task is cancelled).
    public func waitUntilSynced() async { await synced.wait() }
    public var relists: Int { listCount.withLock { $0 } }

    public func get(namespace: String?, name: String) -> Object? { get(ObjectKey(namespace: namespace, name: name)) }
    public func get(_ key: ObjectKey) -> Object? { store.get(key: key.description) }
    public func list() -> [Object] { store.all }
    /// Calls `body` with each cached object, without copying the whole cache first (as `list()` does).
    public func forEach(_ body: (Object) -> Void) { store.forEach(body) }
    /// How many objects the cache holds.
    public var count: Int { store.count }
    public func byIndex(_ name: String, _ value: String) -> [Object] { store.byIndex(name, value) }

    /// Lists and watches until the task is cancelled.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.listAndWatch() }
            if let resyncPeriod {
                group.addTask {
                    while true {
                        // ±10 % jitter, so replicas and informers do not resync in step.
                        try await Task.sleep(for: resyncPeriod * Double.random(in: 0.9...1.1))
                        self.store.forEach { self.notify(.resync($0)) }
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private func listAndWatch() async throws {
        var resourceVersion: String?
        var failures = 0
        while !Task.isCancelled {
            do {
                if resourceVersion == nil { resourceVersion = try await relist(fromCache: !hasSynced) }
                // Servers end watches after timeoutSeconds; spread the rotation like client-go.
                let stream = try await client.watch(
                    Object.self, resource, namespace: namespace, resourceVersion: resourceVersion,
                    timeoutSeconds: Int.random(in: 300...600), labelSelector: labelSelector, metadataOnly: metadataOnly)
                failures = 0
                for try await event in stream {
                    switch event {
                    case .added(let object), .modified(let object):
                        resourceVersion = object.metadata.resourceVersion ?? resourceVersion
                        apply(object)
                    case .deleted(let object):
                        resourceVersion = object.metadata.resourceVersion ?? resourceVersion
                        if let old = store.remove(key: InformerStore<Object>.key(object)) { notify(.deleted(old)) }
                    case .bookmark(let version):
                        resourceVersion = version
                    case .error(let error):
                        throw error
                    }
                }
            } catch let error as KubernetesError where error.isGone {
                logger.info("watch expired: relisting", metadata: ["k8s.resource": "\(resource)"])
                resourceVersion = nil
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                let delay = Self.backoff(failures: failures)
                logger.warning(
                    "watch failed: retrying",
                    metadata: [
                        "k8s.resource": "\(resource)", "k8s.error": "\(error)",
                        "k8s.retry_ms": "\(delay.inMilliseconds)",
                    ])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Replaces the cache with a fresh list, telling handlers the difference; returns its resourceVersion.
    /// The first list streams from the API server's watch cache (fast, any size, one object in memory
    /// at a time); a relist after `410 Gone` reads consistently, page by page, so it never goes back
    /// before what the cache already holds.
    private func relist(fromCache: Bool) async throws -> String {
        var remaining = store.keys
        let version: String
        if fromCache {
            version = try await client.streamList(
                Object.self, resource, namespace: namespace, labelSelector: labelSelector, metadataOnly: metadataOnly
            ) { item in
                remaining.remove(InformerStore<Object>.key(item))
                apply(item)
            }
        } else {
            let list = try await client.listAll(
                Object.self, resource, namespace: namespace, labelSelector: labelSelector, metadataOnly: metadataOnly)
            for item in list.items {
                remaining.remove(InformerStore<Object>.key(item))
                apply(item)
            }
            version = list.resourceVersion
        }
        listCount.withLock { $0 += 1 }
        for key in remaining {
            if let old = store.remove(key: key) { notify(.deleted(old)) }
        }
        synced.open()
        return version
    }

    private func apply(_ received: Object) {
        let object = transform?(received) ?? received
        if let old = store.upsert(object) {
            if old.metadata.resourceVersion != object.metadata.resourceVersion {
                notify(.updated(old: old, new: object))
            }
        } else {
            notify(.added(object))
        }
    }

    private func notify(_ change: Change) {
        handlers.withLock { $0 }.forEach { $0(change) }
    }

    /// 0.5 s doubling to 30 s, with ±50 % jitter.
    static func backoff(failures: Int) -> Duration {
        let base = min(0.5 * Double(1 << min(failures - 1, 10)), 30)
        return .milliseconds(Int(base * Double.random(in: 0.5...1.5) * 1000))
    }
}
