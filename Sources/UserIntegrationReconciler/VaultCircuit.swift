import KeyVault
import Synchronization

/// The operator's circuit breaker for the vault: once a reconcile finds the vault down
/// (unreachable, or throttling without let-up), vault calls fail at once, so workers are not held
/// and statuses say so quickly; only the recovery watcher probes the vault until it answers.
final class VaultCircuit: Sendable {
    /// Errors that mean the vault is unreachable or refusing work, rather than a resource being wrong.
    static let outageCodes: Set<ErrorCode> = [.connectionFailed, .throttled, .retrieveFailed, .writeFailed]

    private let vaultURL: String
    /// How many calls in a row must run out of retries on 429 before throttling opens the circuit.
    private let throttledCallsToOpen: Int
    /// Why the vault is considered down, if it is.
    private let outage = Mutex<ErrorCode?>(nil)
    /// Vault calls in a row that ran out of retries on 429 (any success resets it).
    private let throttledStreak = Atomic<Int>(0)

    init(vaultURL: String, throttledCallsToOpen: Int) {
        self.vaultURL = vaultURL
        self.throttledCallsToOpen = max(1, throttledCallsToOpen)
    }

    var isOpen: Bool { outage.withLock { $0 != nil } }

    /// A vault call, unless the circuit is open: then it fails at once with the outage's code.
    func call<T>(_ body: () async throws -> T) async throws -> T {
        if let code = outage.withLock({ $0 }) {
            throw KeyVaultError(
                code, "waiting for the vault to recover before calling it again", context: ["vault": vaultURL])
        }
        do {
            let result = try await body()
            throttledStreak.store(0, ordering: .relaxed)
            return result
        } catch let error as KeyVaultError where error.code == .throttled {
            throttledStreak.wrappingAdd(1, ordering: .relaxed)
            throw error
        }
    }

    /// Opens the circuit when `error` means the vault is down; `true` when this call opened it.
    /// Throttling does only when it is sustained (as many calls in a row as there are workers ran
    /// out of retries on 429): a vault that throttles some requests is busy, and the budget and the
    /// retries handle it.
    func open(on error: KeyVaultError) -> Bool {
        guard Self.outageCodes.contains(error.code),
            error.code != .throttled || throttledStreak.load(ordering: .relaxed) >= throttledCallsToOpen
        else { return false }
        return outage.withLock { state in
            defer { state = state ?? error.code }
            return state == nil
        }
    }

    /// Closes the circuit after the vault answered a probe.
    func close() {
        outage.withLock { $0 = nil }
        throttledStreak.store(0, ordering: .relaxed)
    }
}
