import DequeModule
import Foundation

/// The events an `EventRecorder` has yet to write: bounded, with repeats coalesced into one entry
/// and a count. When full, a Normal event is dropped rather than a Warning: a new Normal is
/// refused, a new Warning takes the place of the oldest Normal, and only a queue of Warnings alone
/// refuses a Warning. Warnings are written first; each keeps the time it was recorded.
struct PendingEvents: Sendable {
    struct Pending: Sendable {
        var regarding: Event.Reference
        var type: EventRecorder.EventType
        var reason: String
        var action: String
        var note: String
        var time: Date
        /// How many times it was recorded while it waited.
        var count = 1
    }

    enum Outcome: Equatable { case queued, coalesced, dropped(EventRecorder.EventType) }

    let capacity: Int
    private var byKey: [String: Pending] = [:]
    private var warnings: Deque<String> = []
    private var normals: Deque<String> = []

    init(capacity: Int) { self.capacity = max(1, capacity) }

    var count: Int { byKey.count }

    /// Queues `event` under `key` (what makes two events the same), or counts it on the entry
    /// already waiting under that key, or drops a Normal when the queue is full.
    mutating func add(_ event: Pending, key: String) -> Outcome {
        if byKey[key] != nil {
            byKey[key]?.count += event.count
            return .coalesced
        }
        var outcome = Outcome.queued
        if byKey.count >= capacity {
            guard event.type == .warning, !normals.isEmpty else { return .dropped(event.type) }
            byKey[normals.removeFirst()] = nil
            outcome = .dropped(.normal)
        }
        byKey[key] = event
        if event.type == .warning { warnings.append(key) } else { normals.append(key) }
        return outcome
    }

    /// The next event to write, Warnings first, each kind in the order recorded.
    mutating func next() -> (key: String, event: Pending)? {
        guard let key = warnings.popFirst() ?? normals.popFirst() else { return nil }
        return byKey.removeValue(forKey: key).map { (key, $0) }
    }
}
