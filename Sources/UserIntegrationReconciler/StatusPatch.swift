/// A status as a JSON merge patch: the fields that describe the vault secret (masked key, version,
/// expiry) are sent as `null` when absent, so a value shown before is removed rather than left in
/// place (a merge patch keeps every field it does not name).
struct StatusPatch: Encodable {
    let status: UserIntegration.Status

    init(_ status: UserIntegration.Status) { self.status = status }

    private enum ClearedKey: String, CodingKey { case maskedKey, vaultSecretVersion, expiresAt }

    func encode(to encoder: any Encoder) throws {
        try status.encode(to: encoder)
        var container = encoder.container(keyedBy: ClearedKey.self)
        if status.maskedKey == nil { try container.encodeNil(forKey: .maskedKey) }
        if status.vaultSecretVersion == nil { try container.encodeNil(forKey: .vaultSecretVersion) }
        if status.expiresAt == nil { try container.encodeNil(forKey: .expiresAt) }
    }
}
