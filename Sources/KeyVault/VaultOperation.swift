/// A Key Vault operation. Its name labels `keyvault_requests_total`, the latency histogram, logs
/// and error context; what it is decides how a failure is classified. Every operation, health
/// checks included, takes a turn of the request budget (`ClientConfig.requestGate`).
enum VaultOperation: String, Sendable {
    case get, set, update, delete, recover, purge, list, versions, health, token

    /// Whether it changes the vault: a failure is then `writeFailed`, not `retrieveFailed`.
    var writes: Bool {
        switch self {
        case .set, .update, .delete, .recover, .purge: true
        case .get, .list, .versions, .health, .token: false
        }
    }
}
