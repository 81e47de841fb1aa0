import DequeModule
import HeapModule
import Metrics
import Synchronization

/// A work queue of object keys, as controllers use them: a key is queued at most once and is never
/// processed by two workers at a time (re-added while processing, it is queued again when done).
/// New and changed objects go ahead of periodic resyncs. Failed keys come back after a per-key
/// exponential backoff (5 ms doubling to 1000 s); delayed keys wait in a heap driven by `run()`.
/// Reports `workqueue_depth`, `workqueue_adds_total`, `workqueue_retries_total`,
/// `workqueue_queue_duration_seconds` (queued until taken) and `workqueue_work_duration_seconds`
/// (taken until done), labelled by name, as client-go's work queue does.
public final class WorkQueue<Key: Hashable & Sendable>: Sendable {
    public typealias Priority = WorkQueuePriority

    private struct State {
        var normal: Deque<Key> = []
        /// May hold keys promoted to `normal` since; `queued` tells which entries are current.
        var resync: Deque<Key> = []
        var queued: [Key: Priority] = [:]
        var processing: Set<Key> = []
        var dirty: [Key: Priority] = [:]
        var failures: [Key: Int] = [:]
        var delayed = Heap<DelayedKey<Key>>()
        /// Workers waiting in `next()`, each with an id so that a cancelled one can be removed.
        var waiters: Deque<(id: UInt64, continuation: CheckedContinuation<Key?, Never>)> = []
        var waiterIDs: UInt64 = 0
        var shuttingDown = false
        var adds = 0
        var retries = 0
        /// When each queued key was queued, and when each key in process was taken.
        var queuedAt: [Key: ContinuousClock.Instant] = [:]
        var takenAt: [Key: ContinuousClock.Instant] = [:]
    }
    private let state = Mutex(State())
    public let baseDelay: Duration
    public let maxDelay: Duration
    private let depthGauge: Gauge
    private let addsCounter: Counter
    private let retriesCounter: Counter
    private let queueDuration: Timer
    private let workDuration: Timer

    public init(name: String = "default", baseDelay: Duration = .milliseconds(5), maxDelay: Duration = .seconds(1000)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        depthGauge = Gauge(label: "workqueue_depth", dimensions: [("name", name)])
        addsCounter = Counter(label: "workqueue_adds_total", dimensions: [("name", name)])
        retriesCounter = Counter(label: "workqueue_retries_total", dimensions: [("name", name)])
        queueDuration = Timer(label: "workqueue_queue_duration_seconds", dimensions: [("name", name)])
        workDuration = Timer(label: "workqueue_work_duration_seconds", dimensions: [("name", name)])
    }

    /// Queues a key (no-op when already queued).
    public func add(_ key: Key, priority: Priority = .normal) {
        let now = ContinuousClock.now
        let (waiter, depth) = state.withLock { state -> (CheckedContinuation<Key?, Never>?, Int?) in
            guard !state.shuttingDown else { return (nil, nil) }
            state.adds += 1
            if state.processing.contains(key) {
                if state.dirty[key] != .normal { state.dirty[key] = priority }
                return (nil, nil)
            }
            if let queuedPriority = state.queued[key] {
                // Promote a queued resync when the object changed; its resync entry goes stale.
                if priority == .normal, queuedPriority == .resync {
                    state.queued[key] = .normal
                    state.normal.append(key)
                }
                return (nil, nil)
            }
            if !state.waiters.isEmpty {
                state.processing.insert(key)
                state.takenAt[key] = now
                return (state.waiters.removeFirst().continuation, nil)
            }
            state.queued[key] = priority
            state.queuedAt[key] = now
            if priority == .normal { state.normal.append(key) } else { state.resync.append(key) }
            return (nil, state.queued.count)
        }
        addsCounter.increment()
        if let depth { depthGauge.record(depth) }
        if let waiter {
            queueDuration.record(duration: .zero)  // a worker was waiting for it
            waiter.resume(returning: key)
        }
    }

    /// Queues a key after `delay` (driven by `run()`).
    public func add(_ key: Key, after delay: Duration, priority: Priority = .normal) {
        guard delay > .zero else { return add(key, priority: priority) }
        state.withLock { state in
            guard !state.shuttingDown else { return }
            state.delayed.insert(DelayedKey(due: ContinuousClock.now + delay, key: key, priority: priority))
        }
    }

    /// Queues a failed key again after its backoff; returns the delay.
    @discardableResult
    public func retry(_ key: Key) -> Duration {
        let delay = state.withLock { state -> Duration in
            let failures = state.failures[key, default: 0]
            state.failures[key] = failures + 1
            state.retries += 1
            return Self.backoff(failures: failures, base: baseDelay, cap: maxDelay)
        }
        retriesCounter.increment()
        add(key, after: delay)
        return delay
    }

    /// Queues every delayed key now (e.g. once a dependency they failed on is back), keeping
    /// their failure counts.
    public func expediteDelayed() {
        let keys = state.withLock { state in
            defer { state.delayed = Heap() }
            return state.delayed.unordered
        }
        keys.forEach { add($0.key, priority: $0.priority) }
    }

    /// Clears a key's failure count after it succeeded.
    public func forget(_ key: Key) {
        state.withLock { _ = $0.failures.removeValue(forKey: key) }
    }

    /// The next key to process, waiting for one; `nil` once the queue shuts down or the task is
    /// cancelled.
    public func next() async -> Key? {
        let id = state.withLock { state in
            state.waiterIDs += 1
            return state.waiterIDs
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = ContinuousClock.now
                let (key, depth, waited) = state.withLock { state -> (Key??, Int, Duration?) in
                    if state.shuttingDown || Task.isCancelled { return (.some(nil), 0, nil) }
                    if let key = Self.pop(&state) {
                        state.takenAt[key] = now
                        let waited = state.queuedAt.removeValue(forKey: key).map { now - $0 }
                        return (.some(key), state.queued.count, waited)
                    }
                    state.waiters.append((id, continuation))
                    return (nil, 0, nil)
                }
                depthGauge.record(depth)
                if let waited { queueDuration.record(duration: waited) }
                if let key { continuation.resume(returning: key) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.waiters.firstIndex { $0.id == id }.map { state.waiters.remove(at: $0).continuation }
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Marks a key processed; if it was re-added meanwhile, it is queued again.
    public func done(_ key: Key) {
        let now = ContinuousClock.now
        let (again, taken) = state.withLock { state -> (Priority?, ContinuousClock.Instant?) in
            state.processing.remove(key)
            return (state.dirty.removeValue(forKey: key), state.takenAt.removeValue(forKey: key))
        }
        if let taken { workDuration.record(duration: now - taken) }
        if let again { add(key, priority: again) }
    }

    /// Stops handing out keys; waiting workers get `nil`.
    public func shutDown() {
        let waiters = state.withLock { state in
            state.shuttingDown = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        waiters.forEach { $0.continuation.resume(returning: nil) }
    }

    /// Queued (not yet processing) keys.
    public var depth: Int { state.withLock { $0.queued.count } }
    /// Every add so far, and every retry (for `workqueue_adds_total`, `workqueue_retries_total`).
    public var totals: (adds: Int, retries: Int) { state.withLock { ($0.adds, $0.retries) } }

    /// Moves delayed keys whose time has come into the queue, until the task is cancelled.
    public func run(tick: Duration = .milliseconds(20)) async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let due = state.withLock { state -> [DelayedKey<Key>] in
                var ready: [DelayedKey<Key>] = []
                while let next = state.delayed.min, next.due <= now { ready.append(state.delayed.removeMin()) }
                return ready
            }
            due.forEach { add($0.key, priority: $0.priority) }
            do { try await Task.sleep(for: tick) } catch { return }
        }
    }

    private static func pop(_ state: inout State) -> Key? {
        let key: Key
        if let next = state.normal.popFirst() {
            key = next
        } else if let next = Self.popCurrentResync(&state) {
            key = next
        } else {
            return nil
        }
        state.queued.removeValue(forKey: key)
        state.processing.insert(key)
        return key
    }

    /// The first resync entry not promoted (or handed out) since it was queued.
    private static func popCurrentResync(_ state: inout State) -> Key? {
        while let key = state.resync.popFirst() {
            if state.queued[key] == .resync { return key }
        }
        return nil
    }

    /// `base · 2^failures`, capped.
    static func backoff(failures: Int, base: Duration, cap: Duration) -> Duration {
        min(base * (1 << min(failures, 40)), cap)
    }
}

/// Where a key waits in a `WorkQueue`: new and changed objects go ahead of periodic resyncs.
public enum WorkQueuePriority: Sendable { case normal, resync }

/// A key waiting for its time, ordered by that time.
struct DelayedKey<Key: Hashable & Sendable>: Comparable {
    var due: ContinuousClock.Instant
    var key: Key
    var priority: WorkQueuePriority

    static func < (lhs: Self, rhs: Self) -> Bool { lhs.due < rhs.due }
}
