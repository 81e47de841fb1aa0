import DurationUnits
public import Kubernetes
public import Logging
import Metrics
import Synchronization

/// Runs a `Reconciler` over a work queue, as controller-runtime's controller does: its caches
/// first, then `concurrency` workers once every cache has synced (a start-up's reconciles would
/// slow the API server's first lists, and read a partial cache). A success forgets the key's
/// failures, an error retries it with backoff, and `requeueAfter` looks again later.
///
/// Records `controller_runtime_reconcile_total{controller,result}` and
/// `controller_runtime_reconcile_time_seconds{controller}`; the queue records `workqueue_*`.
public final class Controller<R: Reconciler>: Sendable {
    /// How a reconcile ended, as the `result` label says it.
    public enum Outcome: String, Sendable {
        case success, error
    }

    /// The `controller` label of the metrics.
    public let name: String
    public let queue: WorkQueue<ObjectKey>
    private let reconciler: R
    private let sources: [any CacheSource]
    private let concurrency: Int
    private let logger: Logger
    private let outcomes = Mutex<[Outcome: Int]>([:])
    private let reconcileTimer: Timer

    /// - Parameters:
    ///   - queue: the queue the sources' event handlers feed.
    ///   - sources: the caches the reconciler reads, waited for before any worker starts.
    ///   - concurrency: reconciles at once (at least one).
    public init(
        name: String, reconciler: R, queue: WorkQueue<ObjectKey>, sources: [any CacheSource], concurrency: Int,
        logger: Logger
    ) {
        self.name = name
        self.reconciler = reconciler
        self.queue = queue
        self.sources = sources
        self.concurrency = max(1, concurrency)
        self.logger = logger
        reconcileTimer = Timer(label: "controller_runtime_reconcile_time_seconds", dimensions: [("controller", name)])
    }

    /// Whether every cache has loaded its first list.
    public var hasSynced: Bool { sources.allSatisfy(\.hasSynced) }

    /// Runs the caches, the queue's timer and the workers. Returns once `shutDown()` has stopped
    /// intake and the reconciles in flight are done; cancellation interrupts them.
    public func run() async {
        await withThrowingTaskGroup(of: Void.self) { background in
            for source in sources { background.addTask { try await source.run() } }
            background.addTask { await self.queue.run() }
            for source in sources { await source.waitUntilSynced() }
            await withTaskGroup(of: Void.self) { workers in
                for _ in 0..<concurrency { workers.addTask { await self.work() } }
            }
            background.cancelAll()
        }
    }

    /// Stops intake: no new reconcile starts; `run()` returns once those in flight are done.
    public func shutDown() {
        queue.shutDown()
    }

    /// Reconciles so far, by outcome.
    public var outcomeCounts: [Outcome: Int] { outcomes.withLock { $0 } }

    private func work() async {
        while let key = await queue.next() {
            await reconcile(key)
            queue.done(key)
        }
    }

    private func reconcile(_ key: ObjectKey) async {
        let start = ContinuousClock.now
        do {
            let result = try await reconciler.reconcile(key)
            queue.forget(key)
            record(.success, since: start)
            if let after = result.requeueAfter { queue.add(key, after: after) }
        } catch  where Task.isCancelled {
            // Shutting down: the next run reconciles this object again from what it observes.
            logger.debug("reconcile interrupted by shutdown", metadata: ["k8s.object": "\(key)"])
        } catch {
            record(.error, since: start)
            let delay = queue.retry(key)
            logger.log(
                level: reconciler.logLevel(for: error), "reconcile failed",
                metadata: ["k8s.object": "\(key)", "kv.error": "\(error)", "retry_ms": "\(delay.inMilliseconds)"])
        }
    }

    private func record(_ outcome: Outcome, since start: ContinuousClock.Instant) {
        reconcileTimer.record(duration: ContinuousClock.now - start)
        // Made at first use, so a standby replica shows no reconcile counts at all.
        Counter(
            label: "controller_runtime_reconcile_total",
            dimensions: [("controller", name), ("result", outcome.rawValue)]
        ).increment()
        if outcome == .error {
            Counter(label: "controller_runtime_reconcile_errors_total", dimensions: [("controller", name)]).increment()
        }
        outcomes.withLock { $0[outcome, default: 0] += 1 }
    }
}
