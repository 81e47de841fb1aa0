/// A Key Vault operation. Its name labels `keyvault_requests_total`, the latency histogram, logs
/// and error context; what it is decides whether it takes the request budget and how a failure
/// is classified.
enum VaultOperation: String, Sendable {
    case get, set, update, delete, recover, purge, list, versions, health, token

    /// Whether it changes the vault: a failure is then `writeFailed`, not `retrieveFailed`.
    var writes: Bool {
        switch self {
        case .set, .update, .delete, .recover, .purge: true
        case .get, .list, .versions, .health, .token: false
        }
    }

    /// Whether it takes a turn of the request budget (`ClientConfig.requestGate`): a health
    /// probe does not, so an exhausted budget never reads as an unreachable vault.
    var takesBudget: Bool { self != .health }
}
