import Foundation

/// What the operator asks of the vault itself, on the same client it warms the cache with: reads
/// that must see the vault (not an entry it is about to correct), and writes whose cache entries
/// the caller rewrites next (`warm`, `invalidate`), so they are not invalidated twice.
/// `package`: for this package's operator; apps use the cache-aside API.
extension CachedClient {
    /// The vault's current secret `name`, read past the cache.
    package func vaultSecret(_ name: String) async throws -> Secret {
        try await vault.getSecret(name)
    }

    /// Writes the vault only, leaving the cache entries to the caller.
    package func writeVaultSecret(
        _ name: String, value: String, attributes: SecretAttributes
    ) async throws -> SecretProperties {
        try await vault.setSecret(name, value: value, attributes: attributes)
    }

    /// The soft-deleted secret `name`'s metadata (whose it was: its tags).
    package func deletedVaultSecret(_ name: String) async throws -> SecretProperties {
        try await vault.getDeletedSecret(name)
    }

    /// Starts recovering the soft-deleted secret `name`.
    package func recoverVaultSecret(_ name: String) async throws {
        try await vault.recoverSecret(name)
    }

    /// The tags of the secret's latest version, to carry over into a new one (a PUT replaces them,
    /// and the `owner` tag records which UserIntegration owns the secret). None for a missing secret;
    /// a disabled one's come from its version list.
    package func currentTags(of name: String) async throws -> [String: String] {
        do {
            return try await vault.getSecret(name).properties.tags
        } catch let error as KeyVaultError where error.code == .secretNotFound {
            return [:]
        } catch let error as KeyVaultError where error.code == .secretDisabled {
            let versions = try await vault.listSecretVersions(name)
            return versions.max { ($0.createdAt ?? .distantPast) < ($1.createdAt ?? .distantPast) }?.tags ?? [:]
        }
    }

    /// Whether the vault answers, and how long it took (the cache is not asked).
    @discardableResult
    package func vaultHealth() async throws -> Duration {
        try await vault.health()
    }
}
