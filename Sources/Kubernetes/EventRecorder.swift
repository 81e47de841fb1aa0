import Foundation
public import Logging
import Metrics
import Synchronization

/// Records `events.k8s.io/v1` Events about objects, best-effort as client-go's recorder does.
/// `record` only queues and never waits: `run()` writes the queue in the background. The queue
/// is bounded (`PendingEvents`): under a bulk load Normal events are dropped before any Warning
/// and counted in `events_dropped_total{type}`. A repeat of the same event (same object, type,
/// reason, action and note), queued or written within `seriesWindow`, raises the first Event's
/// `series.count` instead of creating another object. A failed write is logged. While `isBusy`
/// says the caller's own API writes have a backlog (a bulk load), events are written at most one
/// a second: they share the API server with the reconciles, which come first, and the queue
/// meanwhile coalesces repeats and drops Normals when full.
public final class EventRecorder: Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    private let client: KubernetesClient
    private let controller: String
    private let instance: String
    private let logger: Logger
    private let series: EventSeriesTable
    /// How many events may wait to be written.
    private let capacity: Int
    private let pending: Mutex<(queue: PendingEvents, dropping: Bool, deadline: ContinuousClock.Instant?)>
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation
    private let droppedNormal = Counter(label: "events_dropped_total", dimensions: [("type", "Normal")])
    private let droppedWarning = Counter(label: "events_dropped_total", dimensions: [("type", "Warning")])
    private let isBusy: (@Sendable () -> Bool)?
    /// While busy, the least time between two writes.
    public let busyInterval: Duration

    /// `capacity` bounds the events waiting to be written; `isBusy`, when it returns true, paces
    /// the writes to one per `busyInterval`.
    public init(
        client: KubernetesClient, controller: String, instance: String, seriesWindow: Duration = .seconds(360),
        capacity: Int = 1024, isBusy: (@Sendable () -> Bool)? = nil, busyInterval: Duration = .seconds(1),
        logger: Logger? = nil
    ) {
        self.isBusy = isBusy
        self.busyInterval = busyInterval
        self.client = client
        self.controller = controller
        self.instance = instance
        self.series = EventSeriesTable(window: seriesWindow)
        self.capacity = max(1, capacity)
        self.pending = Mutex((PendingEvents(capacity: capacity), false, nil))
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.logger = logger ?? client.logger
    }

    /// Queues an event about `regarding` and returns at once. `note` must not hold secret values.
    public func record(regarding: Event.Reference, type: EventType, reason: String, action: String, note: String) {
        let key = [regarding.uid ?? regarding.name ?? "", type.rawValue, reason, action, note].joined(
            separator: "\u{1F}")
        let event = PendingEvents.Pending(
            regarding: regarding, type: type, reason: reason, action: action, note: String(note.prefix(1024)),
            time: Date())
        let (outcome, firstDrop) = pending.withLock { state in
            let outcome = state.queue.add(event, key: key)
            guard case .dropped = outcome else { return (outcome, false) }
            defer { state.dropping = true }
            return (outcome, !state.dropping)
        }
        switch outcome {
        case .queued: wake.yield()
        case .coalesced: break
        case .dropped(let type):
            (type == .warning ? droppedWarning : droppedNormal).increment()
            if firstDrop {
                logger.warning(
                    "event queue full: dropping events (Normal first) until it drains",
                    metadata: ["k8s.events.capacity": "\(capacity)"])
            }
        }
    }

    /// Writes queued events, one at a time, until cancelled or, after `finish(within:)`, until the
    /// queue is empty or the grace period is over. Call once.
    public func run() async {
        var wakes = self.wakes.makeAsyncIterator()
        var lastWrite: ContinuousClock.Instant?
        repeat {
            while await paced(after: lastWrite), let next = takeNext() {
                await write(next.event, key: next.key)
                lastWrite = .now
                if Task.isCancelled { return }
            }
        } while await wakes.next() != nil
    }

    /// Returns once the next write may go: at once unless busy, else `busyInterval` after the last
    /// write (the event stays queued meanwhile, so its repeats still coalesce). After `finish`,
    /// at once. False when cancelled.
    private func paced(after lastWrite: ContinuousClock.Instant?) async -> Bool {
        guard let isBusy, let lastWrite else { return !Task.isCancelled }
        while isBusy(), ContinuousClock.now < lastWrite + busyInterval, !isFinishing {
            do { try await Task.sleep(for: .milliseconds(100)) } catch { return false }
        }
        return !Task.isCancelled
    }

    private var isFinishing: Bool { pending.withLock { $0.deadline != nil } }

    /// The next event to write; nil when none waits or the grace period after `finish` is over.
    private func takeNext() -> (key: String, event: PendingEvents.Pending)? {
        pending.withLock { state in
            if let deadline = state.deadline, deadline < .now { return nil }
            let next = state.queue.next()
            if state.queue.count == 0 { state.dropping = false }
            return next
        }
    }

    /// Lets `run()` return once what is queued has been written, or after `grace` (a shutdown
    /// does not wait long on an API server that does not answer).
    public func finish(within grace: Duration = .seconds(5)) {
        pending.withLock { $0.deadline = .now + grace }
        wake.finish()
    }

    private func write(_ event: PendingEvents.Pending, key: String) async {
        let namespace = event.regarding.namespace ?? "default"
        do {
            if let previous = series.repeatOf(key, times: event.count) {
                let series = Event.Series(count: previous.count, lastObservedTime: KubernetesTime.micro(event.time))
                let patch = try JSONEncoder().encode(["series": series])
                try await client.patchDiscardingResult(
                    .events, namespace: previous.namespace, name: previous.name, patch: patch)
                return
            }
            let name = "\(event.regarding.name ?? "object").\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            var created = Event(
                metadata: .init(name: name, namespace: namespace), eventTime: KubernetesTime.micro(event.time),
                reportingController: controller, reportingInstance: instance, action: event.action,
                reason: event.reason, regarding: event.regarding, note: event.note, type: event.type.rawValue)
            if event.count > 1 {
                created.series = Event.Series(count: event.count, lastObservedTime: KubernetesTime.micro(Date()))
            }
            try await client.createDiscardingResult(created, .events)
            series.remember(key, name: name, namespace: namespace, count: event.count)
        } catch {
            logger.warning(
                "event not recorded", metadata: ["k8s.reason": "\(event.reason)", "k8s.error": "\(error)"])
        }
    }
}
