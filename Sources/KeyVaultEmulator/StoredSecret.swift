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
enum StoreChange: Codable, Sendable, Equatable {
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
