/// The JSON shapes of the Key Vault secrets API, encoded as the real service writes them:
/// fields never set are omitted.
struct WireAttributes: Encodable {
    var enabled: Bool
    var nbf: Int?
    var exp: Int?
    var created: Int
    var updated: Int
    var recoveryLevel = StoredSecret.recoveryLevel
    var recoverableDays = StoredSecret.recoverableDays

    init(_ version: StoredSecret.Version) {
        enabled = version.enabled
        nbf = version.notBefore
        exp = version.expires
        created = version.created
        updated = version.updated
    }
}

/// A secret on the wire: SecretBundle (with its value), SecretItem (never a value), and their
/// Deleted forms when the secret is soft-deleted.
struct WireSecret: Encodable {
    var value: String?
    var contentType: String?
    var id: String
    var attributes: WireAttributes
    var tags: [String: String]?
    var recoveryId: String?
    var deletedDate: Int?
    var scheduledPurgeDate: Int?

    /// - Parameters:
    ///   - value: the value to include (bundles of get and set only).
    ///   - versionedID: `…/secrets/{name}/{version}` (bundles, version lists) or `…/secrets/{name}` (lists).
    init(
        base: String, secret: StoredSecret, version: StoredSecret.Version, value: String? = nil,
        versionedID: Bool = true
    ) {
        self.value = value
        contentType = version.contentType
        id = versionedID ? "\(base)/secrets/\(secret.name)/\(version.id)" : "\(base)/secrets/\(secret.name)"
        attributes = WireAttributes(version)
        tags = version.tags
        if let deletion = secret.deletion {
            recoveryId = "\(base)/deletedsecrets/\(secret.name)"
            deletedDate = deletion.deletedDate
            scheduledPurgeDate = deletion.scheduledPurgeDate
        }
    }
}

/// `{"value":[...],"nextLink":...}`; `nextLink` is always present, `null` on the last page.
struct WirePage<Item: Encodable>: Encodable {
    var value: [Item]
    var nextLink: String?

    enum CodingKeys: String, CodingKey { case value, nextLink }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(value, forKey: .value)
        try container.encode(nextLink, forKey: .nextLink)
    }
}

struct WireError: Encodable {
    struct Body: Encodable {
        struct Inner: Encodable { var code: String }
        var code: String
        var message: String
        var innererror: Inner?
    }
    var error: Body

    init(_ error: AzureError) {
        self.error = Body(
            code: error.code, message: error.message, innererror: error.innerCode.map(Body.Inner.init(code:)))
    }
}

struct WireBackup: Encodable {
    var value: String
}
