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

    /// An error body, `{"error":{"code","message","innererror":{"code"}}}` or those fields unwrapped.
    struct ErrorBody: JSONReadable {
        struct Detail: JSONReadable {
            var code: String?
            var message: String?
            /// `innererror.code`: the specific cause (e.g. `ObjectIsBeingDeleted`).
            var innerCode: String?

            init(code: String? = nil, message: String? = nil, innerCode: String? = nil) {
                self.code = code
                self.message = message
                self.innerCode = innerCode
            }

            init(reading reader: inout JSONReader) throws {
                var error: Detail?
                try reader.readObject { key, reader in
                    switch key {
                    case "error": error = try reader.readOptional { try Detail(reading: &$0) }
                    case "code": code = try reader.readOptional { try $0.readString() }
                    case "message": message = try reader.readOptional { try $0.readString() }
                    case "innererror": innerCode = try reader.readOptional(Self.readCode) ?? nil
                    default: try reader.skipValue()
                    }
                }
                if let error { self = error }
            }

            /// `innererror`'s `code`, the rest of it skipped.
            private static func readCode(_ reader: inout JSONReader) throws -> String? {
                var code: String?
                try reader.readObject { key, reader in
                    if key == "code" {
                        code = try reader.readOptional { try $0.readString() }
                    } else {
                        try reader.skipValue()
                    }
                }
                return code
            }
        }

        /// The error whichever shape it came in.
        var detail: Detail

        init(reading reader: inout JSONReader) throws { detail = try Detail(reading: &reader) }
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
    static func body(value: String?, attributes: SecretAttributes) -> Data {
        var writer = JSONWriter(capacity: 256 + (value?.utf8.count ?? 0))
        writer.object { body in
            body.member("value", value)
            body.member("contentType", attributes.contentType)
            if let tags = attributes.tags {
                body.key("tags")
                body.stringMap(tags)
            }
            guard attributes.enabled != nil || attributes.expiresAt != nil || attributes.notBefore != nil else {
                return
            }
            body.key("attributes")
            body.object { wire in
                if let enabled = attributes.enabled {
                    wire.key("enabled")
                    wire.bool(enabled)
                }
                wire.member("exp", attributes.expiresAt.map { Int($0.timeIntervalSince1970) })
                wire.member("nbf", attributes.notBefore.map { Int($0.timeIntervalSince1970) })
            }
        }
        return writer.data
    }
}
