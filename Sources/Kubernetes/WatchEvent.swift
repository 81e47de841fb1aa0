/// One event of a watch, decoded once: the object for ADDED/MODIFIED/DELETED, the
/// resourceVersion for BOOKMARK, the server's Status for ERROR.
public enum WatchEvent<Object: Decodable & Sendable>: Decodable, Sendable {
    case added(Object)
    case modified(Object)
    case deleted(Object)
    case bookmark(resourceVersion: String)
    case error(KubernetesError)

    private enum CodingKeys: String, CodingKey { case type, object }

    private struct Bookmark: Decodable {
        struct Metadata: Decodable { var resourceVersion: String }
        var metadata: Metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "ADDED": self = .added(try container.decode(Object.self, forKey: .object))
        case "MODIFIED": self = .modified(try container.decode(Object.self, forKey: .object))
        case "DELETED": self = .deleted(try container.decode(Object.self, forKey: .object))
        case "BOOKMARK":
            self = .bookmark(
                resourceVersion: try container.decode(Bookmark.self, forKey: .object).metadata.resourceVersion)
        case "ERROR": self = .error(try container.decode(StatusObject.self, forKey: .object).error(status: 0))
        case let other:
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "unknown watch event type \(other)")
        }
    }
}
