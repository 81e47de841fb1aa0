import Foundation

/// The Key Vault JSON the client reads, tolerant of the james-gould emulator's quirks
/// (`"contentType":""`, `"tags":{}`, errors without the `error` wrapper).
enum VaultWire {
    struct Attributes: Decodable {
        var enabled: Bool?
        var nbf: Double?
        var exp: Double?
        var created: Double?
        var updated: Double?
    }

    struct Bundle: Decodable {
        var value: String?
        var id: String?
        var contentType: String?
        var attributes: Attributes?
        var tags: [String: String]?
    }

    struct Page: Decodable {
        var value: [Bundle]?
        var nextLink: String?
    }

    struct ErrorBody: Decodable {
        struct Inner: Decodable { var code: String? }
        struct Detail: Decodable {
            var code: String?
            var message: String?
            var innererror: Inner?
        }
        var error: Detail?
        var code: String?
        var message: String?
        var innererror: Inner?

        /// The error whichever shape it came in.
        var detail: Detail { error ?? Detail(code: code, message: message, innererror: innererror) }
    }

    static func properties(of bundle: Bundle, fallbackName: String) -> SecretProperties {
        let parts = (bundle.id ?? "").split(separator: "/").map(String.init)
        // id = https://host/secrets/{name}[/{version}]
        var name = fallbackName
        var version = ""
        if let index = parts.firstIndex(where: { $0 == "secrets" || $0 == "deletedsecrets" }), index + 1 < parts.count {
            name = parts[index + 1]
            if index + 2 < parts.count { version = parts[index + 2] }
        }
        let attributes = bundle.attributes
        return SecretProperties(
            name: name, version: version, contentType: bundle.contentType.flatMap { $0.isEmpty ? nil : $0 },
            enabled: attributes?.enabled ?? true, notBefore: attributes?.nbf.map(Date.init(timeIntervalSince1970:)),
            expiresAt: attributes?.exp.map(Date.init(timeIntervalSince1970:)),
            createdAt: attributes?.created.map(Date.init(timeIntervalSince1970:)),
            updatedAt: attributes?.updated.map(Date.init(timeIntervalSince1970:)), tags: bundle.tags ?? [:])
    }

    /// The body of `PUT /secrets/{name}` or `PATCH`.
    static func body(value: String?, attributes: SecretAttributes) throws -> Data {
        var json: [String: Any] = [:]
        if let value { json["value"] = value }
        if let contentType = attributes.contentType { json["contentType"] = contentType }
        if let tags = attributes.tags { json["tags"] = tags }
        var wireAttributes: [String: Any] = [:]
        if let enabled = attributes.enabled { wireAttributes["enabled"] = enabled }
        if let exp = attributes.expiresAt { wireAttributes["exp"] = Int(exp.timeIntervalSince1970) }
        if let nbf = attributes.notBefore { wireAttributes["nbf"] = Int(nbf.timeIntervalSince1970) }
        if !wireAttributes.isEmpty { json["attributes"] = wireAttributes }
        return try JSONSerialization.data(withJSONObject: json)
    }
}
