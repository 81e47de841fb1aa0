import DequeModule
import Synchronization

/// Runs work for one key at a time, in the order it asked; work for other keys runs at once.
/// The reconciler serializes the resources that name one vault secret with it: two resources for
/// the same user and type reconciled at the same moment would both find the name free and both
/// write it, and the last write, not the first resource, would own it.
final class KeyedSerialization<Key: Hashable & Sendable>: Sendable {
    /// For each key in use, the callers waiting for it, in order.
    private let waiting = Mutex<[Key: Deque<CheckedContinuation<Void, Never>>]>([:])

    func run<T>(_ key: Key, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: Key) async {
        await withCheckedContinuation { continuation in
            let free = waiting.withLock { state in
                guard state[key] != nil else {
                    state[key] = []
                    return true
                }
                state[key]?.append(continuation)
                return false
            }
            if free { continuation.resume() }
        }
    }

    private func release(_ key: Key) {
        let next = waiting.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let first = state[key]?.popFirst() else {
                state[key] = nil
                return nil
            }
            return first
        }
        next?.resume()
    }
}
