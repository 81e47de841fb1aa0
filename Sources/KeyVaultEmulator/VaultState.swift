import Foundation

/// The emulator's secrets and the rules of every operation, as pure value logic: no I/O, the
/// clock passed in. Each mutation returns the `StoreChange` to make durable.
struct VaultState: Sendable {
    private(set) var secrets: [String: StoredSecret] = [:]

    init(secrets: [String: StoredSecret] = [:]) {
        self.secrets = secrets
    }

    /// Applies a change read back from the write-ahead log.
    mutating func apply(_ change: StoreChange) {
        let key = change.key
        switch change {
        case .addVersion(let name, let version):
            secrets[key, default: StoredSecret(name: name, versions: [], deletion: nil)].versions.append(version)
        case .replaceVersion(_, let version):
            guard let index = secrets[key]?.versions.firstIndex(where: { $0.id == version.id }) else { return }
            secrets[key]?.versions[index] = version
        case .setDeletion(_, let deletion):
            secrets[key]?.deletion = deletion
        case .purge:
            secrets[key] = nil
        case .restore(let secret):
            secrets[key] = secret
        }
    }

    /// Applies a live change and returns the secret after it.
    private mutating func commit(_ change: StoreChange) -> (StoredSecret, StoreChange) {
        apply(change)
        return (secrets[change.key]!, change)
    }

    private func active(_ name: String) throws(AzureError) -> StoredSecret {
        try SecretValidation.validateName(name)
        guard let secret = secrets[name.lowercased()], !secret.isDeleted else { throw .secretNotFound(name) }
        return secret
    }

    private func deleted(_ name: String) throws(AzureError) -> StoredSecret {
        try SecretValidation.validateName(name)
        guard let secret = secrets[name.lowercased()], secret.isDeleted else { throw .deletedSecretNotFound(name) }
        return secret
    }

    // MARK: Secrets

    /// `PUT /secrets/{name}`: a new version, which becomes the latest.
    mutating func set(
        name: String, request: SetSecretRequest, now: Int
    ) throws(AzureError) -> (StoredSecret, StoreChange) {
        try SecretValidation.validateName(name)
        guard let value = request.value else { throw .badParameter("The request body must contain a 'value'.") }
        try SecretValidation.validateValue(value)
        try SecretValidation.validateContentType(request.contentType)
        try SecretValidation.validateTags(request.tags)
        if let existing = secrets[name.lowercased()], existing.isDeleted { throw .deletedButRecoverable(existing.name) }
        let version = StoredSecret.Version(
            id: Self.newVersionID(), value: value, contentType: request.contentType,
            enabled: request.attributes?.enabled ?? true, notBefore: request.attributes?.nbf,
            expires: request.attributes?.exp, created: now, updated: now, tags: request.tags)
        return commit(.addVersion(name: secrets[name.lowercased()]?.name ?? name, version: version))
    }

    /// `GET /secrets/{name}/{version}`: the version (latest when `nil` or empty); disabled → 403.
    func get(name: String, version: String?) throws(AzureError) -> (StoredSecret, StoredSecret.Version) {
        let secret = try active(name)
        let found = try Self.select(secret, version: version, name: name)
        guard found.enabled else { throw .secretDisabled }
        return (secret, found)
    }

    /// `PATCH /secrets/{name}/{version}`: changes attributes, content type and tags.
    mutating func update(
        name: String, version: String?, request: UpdateSecretRequest, now: Int
    ) throws(AzureError)
        -> (StoredSecret, StoredSecret.Version, StoreChange)
    {
        let secret = try active(name)
        let target = try Self.select(secret, version: version, name: name)
        try SecretValidation.validateContentType(request.contentType)
        try SecretValidation.validateTags(request.tags)
        var updated = target
        if let contentType = request.contentType { updated.contentType = contentType }
        if let tags = request.tags { updated.tags = tags }
        if let attributes = request.attributes {
            if let enabled = attributes.enabled { updated.enabled = enabled }
            if let nbf = attributes.nbf { updated.notBefore = nbf }
            if let exp = attributes.exp { updated.expires = exp }
        }
        updated.updated = now
        let (stored, change) = commit(.replaceVersion(name: secret.name, version: updated))
        return (stored, updated, change)
    }

    /// `DELETE /secrets/{name}`: soft delete of every version.
    mutating func delete(name: String, now: Int) throws(AzureError) -> (StoredSecret, StoreChange) {
        let secret = try active(name)
        let deletion = StoredSecret.Deletion(
            deletedDate: now, scheduledPurgeDate: now + StoredSecret.recoverableDays * 86_400)
        return commit(.setDeletion(name: secret.name, deletion: deletion))
    }

    /// `GET /secrets`: the active secrets, ordered by name.
    func list() -> [StoredSecret] {
        secrets.values.filter { !$0.isDeleted }.sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    /// `GET /secrets/{name}/versions`: every version of an active secret (none for an unknown name).
    func versions(name: String) throws(AzureError) -> (StoredSecret?, [StoredSecret.Version]) {
        try SecretValidation.validateName(name)
        guard let secret = secrets[name.lowercased()], !secret.isDeleted else { return (nil, []) }
        return (secret, secret.versions)
    }

    // MARK: Deleted secrets

    func listDeleted() -> [StoredSecret] {
        secrets.values.filter(\.isDeleted).sorted { $0.name.lowercased() < $1.name.lowercased() }
    }

    func getDeleted(name: String) throws(AzureError) -> StoredSecret {
        try deleted(name)
    }

    mutating func purge(name: String) throws(AzureError) -> StoreChange {
        let secret = try deleted(name)
        let change = StoreChange.purge(name: secret.name)
        apply(change)
        return change
    }

    mutating func recover(name: String) throws(AzureError) -> (StoredSecret, StoreChange) {
        let secret = try deleted(name)
        return commit(.setDeletion(name: secret.name, deletion: nil))
    }

    // MARK: Backup and restore

    /// `POST /secrets/{name}/backup`: every version in an opaque base64url blob.
    func backup(name: String) throws(AzureError) -> String {
        let secret = try active(name)
        let blob = BackupBlob(format: BackupBlob.currentFormat, secret: secret)
        guard let data = try? JSONEncoder().encode(blob) else { throw .badParameter("The secret cannot be backed up.") }
        return Base64URL.encode(data)
    }

    /// `POST /secrets/restore`: the secret of a backup blob, under its name; 409 if the name is taken.
    mutating func restore(blob: String?) throws(AzureError) -> (StoredSecret, StoreChange) {
        guard let blob, let data = Base64URL.decode(blob),
            let backup = try? JSONDecoder().decode(BackupBlob.self, from: data),
            backup.format == BackupBlob.currentFormat, !backup.secret.versions.isEmpty
        else { throw .badParameter("The backup blob is malformed or was not made by this vault.") }
        var secret = backup.secret
        try SecretValidation.validate(restored: secret)
        secret.deletion = nil
        if let existing = secrets[secret.name.lowercased()] {
            throw existing.isDeleted ? .deletedButRecoverable(existing.name) : .alreadyExists(existing.name)
        }
        return commit(.restore(secret))
    }

    // MARK: Helpers

    private static func select(
        _ secret: StoredSecret, version: String?, name: String
    ) throws(AzureError) -> StoredSecret.Version {
        guard let version, !version.isEmpty else { return secret.latest }
        guard let found = secret.version(version) else { throw .secretNotFound(name, version: version) }
        return found
    }

    /// 32 lowercase hex characters, like the real service's version identifiers.
    static func newVersionID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in
            let hex = String(generator.next() as UInt64, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

/// What a backup blob holds.
struct BackupBlob: Codable {
    static let currentFormat = "keyvault-emulator-backup-v1"
    var format: String
    var secret: StoredSecret
}

enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64)
    }
}
