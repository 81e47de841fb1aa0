import Synchronization

/// The emulator's store: the state behind a lock, and, with a data directory, the write-ahead
/// log that makes each change durable before it is acknowledged.
final class SecretVault: Sendable {
    private let state: Mutex<VaultState>
    private let log: DurableLog?

    /// An in-memory vault.
    init() {
        state = Mutex(VaultState())
        log = nil
    }

    /// A persistent vault in `directory`, loaded from what it holds.
    init(directory: String) throws {
        let (log, loaded) = try DurableLog.open(directory: directory)
        self.log = log
        state = Mutex(loaded)
    }

    deinit {
        log?.close()
    }

    /// Runs a read under the lock.
    func read<T>(_ body: (VaultState) throws(AzureError) -> T) throws(AzureError) -> T {
        try state.withLock { state throws(AzureError) in try body(state) }
    }

    /// Runs a mutation under the lock and returns its result once the change is durable.
    func write<T: Sendable>(
        _ body: @Sendable (inout VaultState) throws(AzureError) -> (T, StoreChange)
    ) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            do {
                try state.withLock { state throws(AzureError) in
                    let (result, change) = try body(&state)
                    guard let log else {
                        continuation.resume(returning: result)
                        return
                    }
                    log.append(change) { error in
                        if let error {
                            continuation.resume(throwing: error)
                        } else {
                            continuation.resume(returning: result)
                        }
                    }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// The number of secrets, deleted ones included.
    var count: Int { state.withLock { $0.secrets.count } }
}
