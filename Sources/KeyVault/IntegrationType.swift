import Foundation

/// The external services a user can connect.
public enum IntegrationType: String, Sendable, Hashable, Codable, CaseIterable {
    case weather
    case googleHome = "google_home"
    case alexa
    case ifttt
    case energyProvider = "energy_provider"
    case smsNotification = "sms_notification"
    case mqttBroker = "mqtt_broker"
    case smartThings = "smartthings"

    /// The type as it appears in vault secret names: `_` becomes `-`.
    public var nameComponent: String { String(rawValue.map { $0 == "_" ? "-" : $0 }) }
}

/// The names and keys of a user's integration: logical key `user:{userId}:{type}`, vault secret
/// `user-{userId}-{type with - for _}` (docs/crd-reference.md, "Vault secret naming").
public struct IntegrationKey: Sendable, Hashable {
    public var userID: String
    public var type: IntegrationType

    public init(userID: String, type: IntegrationType) {
        self.userID = userID
        self.type = type
    }

    /// `user:{userId}:{type}`
    public var logicalKey: String { Self.logicalKeyPrefix(userID: userID) + type.rawValue }

    /// `user:{userId}:`, what every logical key of the user starts with.
    static func logicalKeyPrefix(userID: String) -> String { "user:" + userID + ":" }

    /// `user-{userId}-{type with - for _}`, e.g. `user-user-123-google-home`.
    public var secretName: String { "user-\(userID)-\(type.nameComponent)" }

    /// The integration of a logical key `user:{userId}:{type}`, if it is one.
    public init?(logicalKey: some StringProtocol) {
        guard logicalKey.hasPrefix("user:"), let colon = logicalKey.lastIndex(of: ":"),
            let type = IntegrationType(rawValue: String(logicalKey[logicalKey.index(after: colon)...]))
        else { return nil }
        let userID = logicalKey.dropFirst("user:".count)[..<colon]
        guard !userID.isEmpty else { return nil }
        self.init(userID: String(userID), type: type)
    }

    /// The integration a vault secret name belongs to, if it follows the naming scheme.
    public init?(secretName: String) {
        let hasUpper = secretName.utf8.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
        let lowered = hasUpper ? secretName.lowercased() : secretName
        guard lowered.hasPrefix("user-") else { return nil }
        let rest = lowered.utf8.dropFirst("user-".count)
        for (suffix, type) in Self.nameSuffixes
        where rest.count > suffix.count && rest.suffix(suffix.count).elementsEqual(suffix) {
            self.init(userID: String(decoding: rest.dropLast(suffix.count), as: UTF8.self), type: type)
            return
        }
        return nil
    }

    /// `-{type with - for _}` of every type as UTF-8, longest first: the longest matching suffix
    /// wins (no type name is a suffix of another's, but be exact). Built once: a name is parsed on
    /// every cache write and notification.
    private static let nameSuffixes: [([UInt8], IntegrationType)] = IntegrationType.allCases
        .map { (Array(("-" + $0.nameComponent).utf8), $0) }
        .sorted { $0.0.count > $1.0.count }
}
