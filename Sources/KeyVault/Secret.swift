public import struct Foundation.Date

/// A secret's metadata, as lists return it (never with a value).
public struct SecretProperties: Sendable, Hashable, Codable {
    public var name: String
    /// 32 hex characters; empty in lists of latest versions.
    public var version: String
    public var contentType: String?
    public var enabled: Bool
    public var notBefore: Date?
    public var expiresAt: Date?
    public var createdAt: Date?
    public var updatedAt: Date?
    public var tags: [String: String]

    public init(
        name: String, version: String = "", contentType: String? = nil, enabled: Bool = true, notBefore: Date? = nil,
        expiresAt: Date? = nil, createdAt: Date? = nil, updatedAt: Date? = nil, tags: [String: String] = [:]
    ) {
        self.name = name
        self.version = version
        self.contentType = contentType
        self.enabled = enabled
        self.notBefore = notBefore
        self.expiresAt = expiresAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.tags = tags
    }

    /// Whether `exp` has passed at `now`.
    public func isExpired(at now: Date = Date()) -> Bool {
        expiresAt.map { $0 <= now } ?? false
    }
}

/// A secret with its value. Its `description` never shows the value.
public struct Secret: Sendable, Hashable, Codable, CustomStringConvertible {
    public var properties: SecretProperties
    public var value: String

    public init(properties: SecretProperties, value: String) {
        self.properties = properties
        self.value = value
    }

    public var name: String { properties.name }

    public var description: String { "Secret(name: \(properties.name), version: \(properties.version))" }
}

/// What `setSecret` writes besides the value.
public struct SecretAttributes: Sendable, Hashable {
    public var contentType: String?
    public var expiresAt: Date?
    public var notBefore: Date?
    public var enabled: Bool?
    public var tags: [String: String]?

    public init(
        contentType: String? = nil, expiresAt: Date? = nil, notBefore: Date? = nil, enabled: Bool? = nil,
        tags: [String: String]? = nil
    ) {
        self.contentType = contentType
        self.expiresAt = expiresAt
        self.notBefore = notBefore
        self.enabled = enabled
        self.tags = tags
    }
}
