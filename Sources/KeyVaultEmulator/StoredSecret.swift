/// A secret as the emulator keeps it: every version, oldest first, and its deletion state.
struct StoredSecret: Codable, Sendable, Equatable {
    /// One version of a secret. Times are Unix seconds, as on the wire.
    struct Version: Codable, Sendable, Equatable {
        var id: String
        var value: String
        var contentType: String?
        var enabled: Bool
        var notBefore: Int?
        var expires: Int?
        var created: Int
        var updated: Int
        var tags: [String: String]?
    }

    /// When a soft-deleted secret was deleted and will be purged.
    struct Deletion: Codable, Sendable, Equatable {
        var deletedDate: Int
        var scheduledPurgeDate: Int
    }

    /// The name as first written; lookups ignore case.
    var name: String
    var versions: [Version]
    var deletion: Deletion?

    var latest: Version { versions[versions.count - 1] }
    var isDeleted: Bool { deletion != nil }

    func version(_ id: String) -> Version? {
        versions.first { $0.id == id.lowercased() }
    }

    static let recoverableDays = 90
    static let recoveryLevel = "Recoverable+Purgeable"
}

/// One mutation of the store, as the write-ahead log records it and replay applies it.
enum StoreChange: Sendable, Equatable {
    case addVersion(name: String, version: StoredSecret.Version)
    case replaceVersion(name: String, version: StoredSecret.Version)
    case setDeletion(name: String, deletion: StoredSecret.Deletion?)
    case purge(name: String)
    case restore(StoredSecret)

    /// The case-insensitive key of the secret it changes.
    var key: String {
        switch self {
        case .addVersion(let name, _), .replaceVersion(let name, _), .setDeletion(let name, _), .purge(let name):
            name.lowercased()
        case .restore(let secret):
            secret.name.lowercased()
        }
    }
}

/// A `StoreChange` as one flat JSON object per log line (flat fields decode much faster than
/// Codable's nested enum form, which matters when replaying tens of thousands of records).
struct LogRecord: Codable {
    enum Operation: String, Codable {
        case add, replace, delete, recover, purge, restore
    }
    var op: Operation
    var name: String
    var version: StoredSecret.Version?
    var deletion: StoredSecret.Deletion?
    var secret: StoredSecret?

    init(_ change: StoreChange) {
        switch change {
        case .addVersion(let name, let version): self.init(op: .add, name: name, version: version)
        case .replaceVersion(let name, let version): self.init(op: .replace, name: name, version: version)
        case .setDeletion(let name, let deletion?): self.init(op: .delete, name: name, deletion: deletion)
        case .setDeletion(let name, nil): self.init(op: .recover, name: name)
        case .purge(let name): self.init(op: .purge, name: name)
        case .restore(let secret): self.init(op: .restore, name: secret.name, secret: secret)
        }
    }

    private init(
        op: Operation, name: String, version: StoredSecret.Version? = nil, deletion: StoredSecret.Deletion? = nil,
        secret: StoredSecret? = nil
    ) {
        self.op = op
        self.name = name
        self.version = version
        self.deletion = deletion
        self.secret = secret
    }

    /// The change, or `nil` when the record lacks what its operation needs.
    var change: StoreChange? {
        switch op {
        case .add: version.map { .addVersion(name: name, version: $0) }
        case .replace: version.map { .replaceVersion(name: name, version: $0) }
        case .delete: deletion.map { .setDeletion(name: name, deletion: $0) }
        case .recover: .setDeletion(name: name, deletion: nil)
        case .purge: .purge(name: name)
        case .restore: secret.map { .restore($0) }
        }
    }
}
