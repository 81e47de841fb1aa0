import Synchronization

/// Collapses concurrent calls for one key into a single execution whose result all of them get.
final class SingleFlight<Value: Sendable>: Sendable {
    /// Followers waiting per key; `nil` in a follower's resume means "the call ended before you joined".
    private let calls = Mutex<[String: [CheckedContinuation<Value?, any Error>]]>([:])

    /// Runs `body` unless a call for `key` is in flight, in which case it waits for that call's result.
    func run(key: String, _ body: () async throws -> Value) async throws -> Value {
        while true {
            let isLeader = calls.withLock { calls -> Bool in
                if calls[key] != nil { return false }
                calls[key] = []
                return true
            }
            if isLeader { return try await lead(key: key, body) }
            let shared = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value?, any Error>) in
                let joined = calls.withLock { calls -> Bool in
                    guard calls[key] != nil else { return false }
                    calls[key]!.append(continuation)
                    return true
                }
                if !joined { continuation.resume(returning: nil) }
            }
            if let shared { return shared }
        }
    }

    private func lead(key: String, _ body: () async throws -> Value) async throws -> Value {
        let result: Result<Value, any Error>
        do { result = .success(try await body()) } catch { result = .failure(error) }
        let waiters = calls.withLock { $0.removeValue(forKey: key) ?? [] }
        for waiter in waiters {
            switch result {
            case .success(let value): waiter.resume(returning: value)
            case .failure(let error): waiter.resume(throwing: error)
            }
        }
        return try result.get()
    }
}
