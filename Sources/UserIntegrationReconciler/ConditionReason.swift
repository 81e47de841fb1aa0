/// The reasons the operator writes into conditions and events: CamelCase words, part of the
/// resource's contract (users and alerts match on them), so they are spelled once, here.
public enum ConditionReason {
    /// The operator wrote the vault secret from the referenced Secret.
    public static let synced = "Synced"
    /// The operator read the vault secret an app wrote (no `secretRef`).
    public static let observed = "Observed"
    /// The credential has not expired.
    public static let valid = "Valid"
    public static let expired = "Expired"
    /// The credential expires within the warning period (condition `ExpiringSoon`, Warning event).
    public static let expiringSoon = "ExpiringSoon"
    /// No enabled vault secret (observe mode).
    public static let notConfigured = "NotConfigured"
    /// The referenced Secret, or its key, is missing.
    public static let secretRefNotFound = "SecretRefNotFound"
    /// The referenced value is not UTF-8 text, or larger than Key Vault takes.
    public static let invalidSecretValue = "InvalidSecretValue"
    /// An unknown type, or an `expiresAt` that is not RFC 3339.
    public static let invalidSpec = "InvalidSpec"
    /// The vault secret belongs to another resource, or to no resource (written by an app or by
    /// hand, or soft-deleted) and the resource does not ask to adopt it.
    public static let conflict = "Conflict"
    /// The vault secret is disabled (perhaps an administrator's response to a leak): never re-enabled.
    public static let vaultSecretDisabled = "VaultSecretDisabled"
    /// The namespace may not name this user (`integrations.keyvault.dev/allowed-users`).
    public static let userNotAllowed = "UserNotAllowed"
    /// The referenced Secret does not opt in (`integrations.keyvault.dev/allow-push: "true"`).
    public static let secretNotAllowed = "SecretNotAllowed"
    public static let keyVaultUnavailable = "KeyVaultUnavailable"
    public static let throttled = "Throttled"
    public static let keyVaultAuthFailed = "KeyVaultAuthFailed"
    public static let keyVaultError = "KeyVaultError"
    /// Redis holds the current entry.
    public static let warmed = "Warmed"
    public static let cacheUnavailable = "CacheUnavailable"
    /// The vault secret was deleted with its resource (an event's reason).
    public static let deleted = "Deleted"
    /// A failure whose status carries no reason (an event's reason).
    public static let failed = "Failed"
}
