import Foundation
import JSONReading

/// The Key Vault JSON the client reads, tolerant of the james-gould emulator's quirks
/// (`"contentType":""`, `"tags":{}`, errors without the `error` wrapper).
enum VaultWire {
    struct Attributes: JSONReadable {
        var enabled: Bool?
        var nbf: Double?
        var exp: Double?
        var created: Double?
        var updated: Double?

        init(reading reader: inout JSONReader) throws {
            try reader.readObject { key, reader in
                switch key {
                case "enabled": enabled = try reader.readOptional { try $0.readBool() }
                case "nbf": nbf = try reader.readOptional { try $0.readDouble() }
                case "exp": exp = try reader.readOptional { try $0.readDouble() }
                case "created": created = try reader.readOptional { try $0.readDouble() }
                case "updated": updated = try reader.readOptional { try $0.readDouble() }
                default: try reader.skipValue()
                }
            }
        }
    }

    struct Bundle: JSONReadable {
        var value: String?
        var id: String?
        var contentType: String?
        var attributes: Attributes?
        var tags: [String: String]?

        init(reading reader: inout JSONReader) throws {
            try reader.readObject { key, reader in
                switch key {
                case "value": value = try reader.readOptional { try $0.readString() }
                case "id": id = try reader.readOptional { try $0.readString() }
                case "contentType": contentType = try reader.readOptional { try $0.readString() }
                case "attributes": attributes = try reader.readOptional { try Attributes(reading: &$0) }
                case "tags": tags = try reader.readOptional { try $0.readStringMap() }
                default: try reader.skipValue()
                }
            }
        }
    }

    struct Page: JSONReadable {
        var value: [Bundle]?
        var nextLink: String?

        init(reading reader: inout JSONReader) throws {
            try reader.readObject { key, reader in
                switch key {
                case "value": value = try reader.readOptional { try $0.readArray(of: Bundle.self) }
                case "nextLink": nextLink = try reader.readOptional { try $0.readString() }
                default: try reader.skipValue()
                }
            }
        }
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
        // id = https://host/secrets/{name}[/{version}], split on the bytes (splitting Characters took longer than reading the JSON).
        let parts = (bundle.id ?? "").utf8.split(separator: UInt8(ascii: "/"))
        var name = fallbackName
        var version = ""
        if let index = parts.firstIndex(where: {
            $0.elementsEqual("secrets".utf8) || $0.elementsEqual("deletedsecrets".utf8)
        }), index + 1 < parts.count {
            name = String(decoding: parts[index + 1], as: UTF8.self)
            if index + 2 < parts.count { version = String(decoding: parts[index + 2], as: UTF8.self) }
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
