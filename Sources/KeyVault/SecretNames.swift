/// Key Vault's rules for names and values, checked before a request is sent.
package enum SecretNames {
    /// The largest value Key Vault takes, in bytes (25 KiB).
    package static let maxValueBytes = 25 * 1024

    /// `^[0-9a-zA-Z-]{1,127}$`
    static func validate(_ name: String) throws {
        let valid =
            (1...127).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0)
            }
        guard valid else {
            throw KeyVaultError(
                .invalidInput, "secret names are 1 to 127 letters, digits and dashes", context: ["secret": name])
        }
    }
}
