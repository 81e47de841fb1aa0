import KeyVault
import Synchronization

/// The vault version this operator last put in Redis for each integration. Redis notifies every
/// listener of every write, the operator's own included: a notification whose entry still holds
/// the version written here is the operator's own and requeues nothing. Versions only, never values.
final class WarmedVersions: Sendable {
    private let versions = Mutex<[IntegrationKey: String]>([:])

    func record(_ key: IntegrationKey, version: String?) {
        versions.withLock { $0[key] = version }
    }

    func version(of key: IntegrationKey) -> String? {
        versions.withLock { $0[key] }
    }
}
