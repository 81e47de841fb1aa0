/// The real service's limits on names, values, content types and tags.
enum SecretValidation {
    static let maxValueBytes = 25 * 1024
    static let maxContentTypeLength = 255
    static let maxTags = 15
    static let maxTagLength = 512

    /// `^[0-9a-zA-Z-]{1,127}$`
    static func isValidName(_ name: String) -> Bool {
        (1...127).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0)
            }
    }

    static func validateName(_ name: String) throws(AzureError) {
        guard isValidName(name) else { throw .invalidName(name) }
    }

    static func validateValue(_ value: String) throws(AzureError) {
        guard value.utf8.count <= maxValueBytes else {
            throw .badParameter(
                "The secret value is too large: \(value.utf8.count) bytes, the limit is \(maxValueBytes) bytes.")
        }
    }

    static func validateContentType(_ contentType: String?) throws(AzureError) {
        guard let contentType else { return }
        guard contentType.count <= maxContentTypeLength else {
            throw .badParameter("The contentType is too long: the limit is \(maxContentTypeLength) characters.")
        }
    }

    static func validateTags(_ tags: [String: String]?) throws(AzureError) {
        guard let tags else { return }
        guard tags.count <= maxTags else {
            throw .badParameter("Too many tags: \(tags.count), the limit is \(maxTags).")
        }
        for (name, value) in tags {
            guard !name.isEmpty, name.count <= maxTagLength, value.count <= maxTagLength else {
                throw .badParameter(
                    "Tag names must be 1 to \(maxTagLength) characters and values at most \(maxTagLength).")
            }
        }
    }

    /// A restored secret must be one that writes could have made: a backup blob is input like any
    /// other (names, values, content types, tags, and unique 32-hex version identifiers).
    static func validate(restored secret: StoredSecret) throws(AzureError) {
        try validateName(secret.name)
        var seen = Set<String>()
        for version in secret.versions {
            guard version.id.utf8.count == 32, version.id.utf8.allSatisfy(isLowercaseHexDigit),
                seen.insert(version.id).inserted
            else { throw .badParameter("The backup blob holds an invalid or repeated version identifier.") }
            try validateValue(version.value)
            try validateContentType(version.contentType)
            try validateTags(version.tags)
        }
    }

    private static func isLowercaseHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte)
    }
}
