public import struct Foundation.Date

/// A user's integration as apps and the operator report it: never the value, only a mask.
public struct Integration: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        /// The vault secret exists, is enabled and is not past its expiry.
        case connected
        /// No vault secret (or it is disabled).
        case notConfigured = "not_configured"
        /// The vault secret is past its expiry.
        case expired
    }

    public var type: IntegrationType
    public var status: Status
    /// `***` and the value's last three characters; `***` for values under 8 characters; empty when not configured.
    public var maskedKey: String
    public var expiresAt: Date?
    public var updatedAt: Date?

    public init(
        type: IntegrationType, status: Status, maskedKey: String = "", expiresAt: Date? = nil, updatedAt: Date? = nil
    ) {
        self.type = type
        self.status = status
        self.maskedKey = maskedKey
        self.expiresAt = expiresAt
        self.updatedAt = updatedAt
    }

    /// The integration a secret describes (or `notConfigured` for `nil` or a disabled secret).
    public init(type: IntegrationType, secret: Secret?, now: Date = Date()) {
        guard let secret, secret.properties.enabled else {
            self.init(type: type, status: .notConfigured)
            return
        }
        self.init(
            type: type, status: secret.properties.isExpired(at: now) ? .expired : .connected,
            maskedKey: Masking.mask(secret.value),
            expiresAt: secret.properties.expiresAt, updatedAt: secret.properties.updatedAt)
    }
}

/// Masks secret values for display.
public enum Masking {
    /// `***` followed by the last 3 characters; values shorter than 8 characters show `***` only.
    public static func mask(_ value: String) -> String {
        // ASCII without CR (a CR LF pair is one character) counts its characters by its bytes:
        // counting graphemes was most of the time a cached list of eight took to build its integrations.
        let bytes = value.utf8
        if bytes.allSatisfy({ $0 < 0x80 && $0 != UInt8(ascii: "\r") }) {
            return bytes.count < 8 ? "***" : "***" + String(decoding: bytes.suffix(3), as: UTF8.self)
        }
        return value.count < 8 ? "***" : "***" + value.suffix(3)
    }
}
