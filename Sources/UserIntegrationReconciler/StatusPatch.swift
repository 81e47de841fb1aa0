/// A status as a JSON merge patch: the fields that describe the vault secret (masked key, version,
/// expiry) are sent as `null` when absent, so a value shown before is removed rather than left in
/// place (a merge patch keeps every field it does not name).
struct StatusPatch: Encodable {
    let status: UserIntegration.Status

    init(_ status: UserIntegration.Status) { self.status = status }

    private enum Key: String, CodingKey {
        case state, maskedKey, vaultSecretName, vaultSecretVersion, expiresAt, lastSyncTime, observedGeneration
        case conditions
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(status.state, forKey: .state)
        try container.encode(status.maskedKey, forKey: .maskedKey)
        try container.encodeIfPresent(status.vaultSecretName, forKey: .vaultSecretName)
        try container.encode(status.vaultSecretVersion, forKey: .vaultSecretVersion)
        try container.encode(status.expiresAt, forKey: .expiresAt)
        try container.encodeIfPresent(status.lastSyncTime, forKey: .lastSyncTime)
        try container.encodeIfPresent(status.observedGeneration, forKey: .observedGeneration)
        try container.encodeIfPresent(status.conditions, forKey: .conditions)
    }
}
