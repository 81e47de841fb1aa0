import Foundation
import Testing

@testable import Kubernetes

/// The bounded queue of events waiting to be written.
struct PendingEventsTests {
    static func event(_ name: String, _ type: EventRecorder.EventType) -> PendingEvents.Pending {
        .init(
            regarding: .init(apiVersion: "v1", kind: "ConfigMap", namespace: "n", name: name, uid: name),
            type: type, reason: "R", action: "A", note: "note", time: Date())
    }

    @Test func repeatsWaitingAreCountedOnOneEntry() {
        var queue = PendingEvents(capacity: 2)
        #expect(queue.add(Self.event("a", .normal), key: "a") == .queued)
        #expect(queue.add(Self.event("a", .normal), key: "a") == .coalesced)
        #expect(queue.add(Self.event("a", .normal), key: "a") == .coalesced)
        #expect(queue.count == 1)
        #expect(queue.next()?.event.count == 3)
        #expect(queue.next() == nil)
    }

    @Test func warningsGoFirstAndTakeTheOldestNormalsPlaceWhenFull() {
        var queue = PendingEvents(capacity: 2)
        #expect(queue.add(Self.event("n1", .normal), key: "n1") == .queued)
        #expect(queue.add(Self.event("n2", .normal), key: "n2") == .queued)
        #expect(queue.add(Self.event("n3", .normal), key: "n3") == .dropped(.normal))
        #expect(queue.add(Self.event("w1", .warning), key: "w1") == .dropped(.normal))
        #expect(queue.add(Self.event("w2", .warning), key: "w2") == .dropped(.normal))
        #expect(queue.add(Self.event("w3", .warning), key: "w3") == .dropped(.warning))
        #expect(queue.next()?.key == "w1")
        #expect(queue.add(Self.event("n4", .normal), key: "n4") == .queued)
        #expect(queue.next()?.key == "w2")
        #expect(queue.next()?.key == "n4")
        #expect(queue.next() == nil)
    }
}
