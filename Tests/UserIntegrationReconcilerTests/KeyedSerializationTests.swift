import Synchronization
import Testing

@testable import UserIntegrationReconciler

/// Reconciles of resources naming one vault secret run one at a time; others are not held.
struct KeyedSerializationTests {
    /// A gate a task waits at until the test opens it.
    final class Gate: Sendable {
        private let (opened, open) = AsyncStream.makeStream(of: Void.self)
        func wait() async { for await _ in opened { return } }
        func release() { open.yield() }
    }

    /// What ran, in order.
    final class Log: Sendable {
        private let entries = Mutex<[String]>([])
        func append(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    @Test func workForOneKeyRunsOneAtATimeInOrder() async throws {
        let serialization = KeyedSerialization<String>()
        let log = Log()
        let gate = Gate()
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let first = Task {
            try await serialization.run("user-u-weather") {
                log.append("first in")
                enteredSignal.yield()
                await gate.wait()
                log.append("first out")
            }
        }
        for await _ in entered { break }
        let second = Task {
            try await serialization.run("user-u-weather") { log.append("second in") }
        }
        for _ in 0..<1000 { await Task.yield() }
        #expect(log.all == ["first in"], "the second ran while the first held the key")
        gate.release()
        try await first.value
        try await second.value
        #expect(log.all == ["first in", "first out", "second in"])
    }

    @Test func workForAnotherKeyIsNotHeld() async throws {
        let serialization = KeyedSerialization<String>()
        let gate = Gate()
        let (entered, enteredSignal) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await serialization.run("user-u-weather") {
                enteredSignal.yield()
                await gate.wait()
            }
        }
        for await _ in entered { break }
        // Finishes while the other key is held: a shared lock would wait here for good.
        #expect(try await serialization.run("user-u-alexa") { "ran" } == "ran")
        gate.release()
        try await holder.value
    }
}
