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

    /// Starts recovering the soft-deleted secret `name`.
    package func recoverVaultSecret(_ name: String) async throws {
        try await vault.recoverSecret(name)
    }

    /// Whether the vault answers, and how long it took (the cache is not asked).
    @discardableResult
    package func vaultHealth() async throws -> Duration {
        try await vault.health()
    }
}
