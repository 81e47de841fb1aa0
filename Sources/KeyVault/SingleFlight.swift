import DequeModule
import Synchronization

/// Collapses concurrent calls for one key into a single execution whose result all of them get.
///
/// A caller that found the cache empty may reach `run` just after a call for its key finished (its
/// read raced the fill). Callers take a `ticket()` before reading; a call that completed after the
/// ticket was taken is at least as fresh as what the caller would have read, so its result is
/// reused instead of calling again. `forget` drops a key's result (on invalidation).
final class SingleFlight<Value: Sendable>: Sendable {
    private struct Completed {
        var sequence: UInt64
        var value: Value
        var at: ContinuousClock.Instant
    }
    private struct State {
        /// Followers waiting per key; `nil` in a follower's resume means "the call ended before you joined".
        var calls: [String: [CheckedContinuation<Value?, any Error>]] = [:]
        var completed: [String: Completed] = [:]
        /// `completed`'s keys oldest first, with the sequence they were completed at (a key
        /// completed again has a newer entry; the old one is skipped when it comes up).
        var completionOrder: Deque<(key: String, sequence: UInt64)> = []
        var sequence: UInt64 = 0
    }
    private let state = Mutex(State())
    /// `state.sequence`, stored after each change under the lock: a ticket is read on every cache
    /// read, and must not wait for the lock.
    private let publishedSequence = Atomic<UInt64>(0)
    /// How long completed results are kept for late callers.
    static var retention: Duration { .seconds(1) }

    /// A mark to take before reading the cache, for `run(key:since:)`.
    func ticket() -> UInt64 { publishedSequence.load(ordering: .acquiring) }

    /// Runs `body` unless a call for `key` is in flight (then waits for its result) or completed
    /// after `ticket` (then returns its result).
    func run(key: String, since ticket: UInt64? = nil, _ body: () async throws -> Value) async throws -> Value {
        while true {
            let (isLeader, recent) = state.withLock { state -> (Bool, Value?) in
                if let ticket, let completed = state.completed[key], completed.sequence > ticket {
                    return (false, completed.value)
                }
                if state.calls[key] != nil { return (false, nil) }
                state.calls[key] = []
                return (true, nil)
            }
            if let recent { return recent }
            if isLeader { return try await lead(key: key, body) }
            let shared = try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<Value?, any Error>) in
                let joined = state.withLock { state -> Bool in
                    guard state.calls[key] != nil else { return false }
                    state.calls[key]!.append(continuation)
                    return true
                }
                if !joined { continuation.resume(returning: nil) }
            }
            if let shared { return shared }
        }
    }

    /// Drops the completed result of `key`, so no later caller reuses it.
    func forget(_ key: String) {
        state.withLock { _ = $0.completed.removeValue(forKey: key) }
    }

    private func lead(key: String, _ body: () async throws -> Value) async throws -> Value {
        let result: Result<Value, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        let now = ContinuousClock.now
        let waiters = state.withLock { state in
            if case .success(let value) = result {
                state.sequence += 1
                publishedSequence.store(state.sequence, ordering: .releasing)
                Self.dropExpired(&state, now: now)
                state.completed[key] = Completed(sequence: state.sequence, value: value, at: now)
                state.completionOrder.append((key, state.sequence))
            }
            return state.calls.removeValue(forKey: key) ?? []
        }
        for waiter in waiters {
            switch result {
            case .success(let value): waiter.resume(returning: value)
            case .failure(let error): waiter.resume(throwing: error)
            }
        }
        return try result.get()
    }

    /// Drops the results older than `retention`, oldest first: each completion is looked at once.
    private static func dropExpired(_ state: inout State, now: ContinuousClock.Instant) {
        while let oldest = state.completionOrder.first {
            guard let completed = state.completed[oldest.key], completed.sequence == oldest.sequence else {
                state.completionOrder.removeFirst()
                continue
            }
            guard now - completed.at >= retention else { return }
            state.completed.removeValue(forKey: oldest.key)
            state.completionOrder.removeFirst()
        }
    }
}
