import Foundation
import Glibc

/// Which user IDs a namespace's UserIntegrations may name (`--user-binding`): without it, any
/// tenant could declare any user and take over that user's vault secret.
public enum UserBinding: String, Sendable, CaseIterable {
    /// A Namespace's `integrations.keyvault.dev/allowed-users` annotation lists them as
    /// comma-separated glob patterns (`user-123,team-a-*`, `*`); no annotation allows none.
    case namespaceAnnotation = "namespace-annotation"
    /// Every namespace may name every user (a single-tenant cluster).
    case any

    /// Whether `patterns` (the annotation's value) allows `userID`. Patterns are `fnmatch(3)` globs
    /// (`*`, `?`, `[…]`) matched against the whole ID; blanks around commas are ignored.
    public static func allows(_ userID: String, patterns: String?) -> Bool {
        guard let patterns else { return false }
        return patterns.split(separator: ",").contains { pattern in
            let trimmed = pattern.trimmingCharacters(in: .whitespaces)
            return !trimmed.isEmpty && fnmatch(trimmed, userID, 0) == 0
        }
    }
}
