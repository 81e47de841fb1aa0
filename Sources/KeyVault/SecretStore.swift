import Foundation
import Synchronization

/// What both clients offer, so applications can substitute `InMemorySecretStore` in their tests.
public protocol SecretStore: Sendable {
    /// The latest version; throws `KeyVaultError` with code `secretNotFound` when there is none.
    func getSecret(_ name: String) async throws -> Secret
    /// Writes a new version.
    @discardableResult
    func setSecret(_ name: String, value: String, attributes: SecretAttributes) async throws -> SecretProperties
    /// Removes the secret; throws `secretNotFound` when there is none.
    func deleteSecret(_ name: String) async throws
    /// Every secret's metadata.
    func listSecrets() async throws -> [SecretProperties]
}

extension KeyVaultClient: SecretStore {}

/// A `SecretStore` in memory, for applications' unit tests. Names are case-insensitive, like Key Vault's.
public final class InMemorySecretStore: SecretStore {
    private let secrets = Mutex<[String: Secret]>([:])

    public init() {}

    public func getSecret(_ name: String) async throws -> Secret {
        guard let secret = secrets.withLock({ $0[name.lowercased()] }) else {
            throw KeyVaultError(.secretNotFound, "no such secret", context: ["secret": name])
        }
        return secret
    }

    @discardableResult
    public func setSecret(
        _ name: String, value: String, attributes: SecretAttributes = .init()
    ) async throws -> SecretProperties {
        try SecretNames.validate(name)
        let now = Date()
        let properties = SecretProperties(
            name: name, version: UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            contentType: attributes.contentType, enabled: attributes.enabled ?? true, notBefore: attributes.notBefore,
            expiresAt: attributes.expiresAt, createdAt: now, updatedAt: now, tags: attributes.tags ?? [:])
        secrets.withLock { $0[name.lowercased()] = Secret(properties: properties, value: value) }
        return properties
    }

    public func deleteSecret(_ name: String) async throws {
        guard secrets.withLock({ $0.removeValue(forKey: name.lowercased()) }) != nil else {
            throw KeyVaultError(.secretNotFound, "no such secret", context: ["secret": name])
        }
    }

    public func listSecrets() async throws -> [SecretProperties] {
        secrets.withLock { $0.values.map(\.properties) }.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }
}
