/// A registered error code with its SOD score (Severity × Occurrence × Detectability, each 1–10).
public struct ErrorCode: Sendable, Hashable, CustomStringConvertible {
    /// How urgent a code is, from its SOD score.
    public enum Level: String, Sendable, Comparable {
        case low = "LOW", medium = "MEDIUM", high = "HIGH", critical = "CRITICAL"

        public static func < (lhs: Level, rhs: Level) -> Bool {
            let order: [Level] = [.low, .medium, .high, .critical]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// The stable identifier, e.g. `INFRA-KEYVAULT-022`.
    public let id: String
    /// What went wrong, in a few words; never holds a secret value.
    public let title: String
    public let severity: Int
    public let occurrence: Int
    public let detectability: Int

    public init(id: String, title: String, severity: Int, occurrence: Int, detectability: Int) {
        self.id = id
        self.title = title
        self.severity = severity
        self.occurrence = occurrence
        self.detectability = detectability
    }

    /// Severity × Occurrence × Detectability.
    public var sod: Int { severity * occurrence * detectability }

    /// ≥100 critical, 50–99 high, 20–49 medium, <20 low.
    public var level: Level {
        switch sod {
        case 100...: .critical
        case 50..<100: .high
        case 20..<50: .medium
        default: .low
        }
    }

    /// `[INFRA-KEYVAULT-022] HIGH: Failed to retrieve secret from KeyVault`
    public var description: String { "[\(id)] \(level.rawValue): \(title)" }
}

extension ErrorCode {
    /// The vault cannot be reached (connection refused, DNS, timeout).
    public static let connectionFailed = ErrorCode(
        id: "INFRA-KEYVAULT-010", title: "KeyVault connection failed", severity: 8, occurrence: 4, detectability: 5)
    /// The vault refused the credentials, or no token could be obtained.
    public static let authenticationFailed = ErrorCode(
        id: "INFRA-KEYVAULT-011", title: "KeyVault authentication failed", severity: 9, occurrence: 2, detectability: 4)
    /// TLS verification of the vault failed (wrong or missing CA, bad certificate).
    public static let tlsFailed = ErrorCode(
        id: "INFRA-KEYVAULT-013", title: "KeyVault TLS verification failed", severity: 8, occurrence: 2,
        detectability: 3)
    /// The vault throttled the request and the retries ran out of time.
    public static let throttled = ErrorCode(
        id: "INFRA-KEYVAULT-015", title: "KeyVault request throttled", severity: 5, occurrence: 5, detectability: 3)
    /// No secret of that name (or version).
    public static let secretNotFound = ErrorCode(
        id: "INFRA-KEYVAULT-020", title: "Secret not found in KeyVault", severity: 3, occurrence: 4, detectability: 2)
    /// The secret exists but is disabled.
    public static let secretDisabled = ErrorCode(
        id: "INFRA-KEYVAULT-021", title: "Secret is disabled in KeyVault", severity: 4, occurrence: 2, detectability: 2)
    /// Reading a secret failed for another reason (server error, unexpected status).
    public static let retrieveFailed = ErrorCode(
        id: "INFRA-KEYVAULT-022", title: "Failed to retrieve secret from KeyVault", severity: 6, occurrence: 3,
        detectability: 4)
    /// Writing or deleting a secret failed.
    public static let writeFailed = ErrorCode(
        id: "INFRA-KEYVAULT-023", title: "Failed to write secret to KeyVault", severity: 7, occurrence: 3,
        detectability: 4)
    /// The name is soft-deleted: recover or purge it first.
    public static let deletedButRecoverable = ErrorCode(
        id: "INFRA-KEYVAULT-025", title: "Secret is deleted but recoverable", severity: 5, occurrence: 2,
        detectability: 3)
    /// The vault has purge protection: a deleted secret stays recoverable until its retention ends.
    public static let purgeNotAllowed = ErrorCode(
        id: "INFRA-KEYVAULT-026", title: "Purge not allowed by the vault's purge protection", severity: 3,
        occurrence: 2, detectability: 1)
    /// Writing to the Redis cache failed; reads fall through to the vault.
    public static let cacheWriteFailed = ErrorCode(
        id: "INFRA-KEYVAULT-030", title: "Cache write failed", severity: 2, occurrence: 3, detectability: 2)
    /// Reading from the Redis cache failed; the read fell through to the vault.
    public static let cacheReadFailed = ErrorCode(
        id: "INFRA-KEYVAULT-031", title: "Cache read failed", severity: 2, occurrence: 3, detectability: 3)
    /// Redis is unreachable (health checks).
    public static let cacheUnavailable = ErrorCode(
        id: "INFRA-KEYVAULT-032", title: "Cache unavailable", severity: 6, occurrence: 3, detectability: 3)
    /// The caller passed an invalid name, value or option.
    public static let invalidInput = ErrorCode(
        id: "INFRA-KEYVAULT-040", title: "Invalid input", severity: 3, occurrence: 4, detectability: 1)
    /// The vault answered with something that is not the API's JSON.
    public static let malformedResponse = ErrorCode(
        id: "INFRA-KEYVAULT-050", title: "Malformed response from KeyVault", severity: 6, occurrence: 2,
        detectability: 5)
    /// The Kubernetes API cannot be reached.
    public static let kubernetesUnavailable = ErrorCode(
        id: "INFRA-K8S-010", title: "Kubernetes API unreachable", severity: 8, occurrence: 3, detectability: 4)
    /// The Kubernetes API refused the request (RBAC).
    public static let kubernetesForbidden = ErrorCode(
        id: "INFRA-K8S-030", title: "Kubernetes API request forbidden", severity: 8, occurrence: 2, detectability: 3)
    /// A Kubernetes write lost an optimistic-concurrency race.
    public static let kubernetesConflict = ErrorCode(
        id: "INFRA-K8S-020", title: "Kubernetes resource conflict", severity: 2, occurrence: 6, detectability: 2)
    /// The Kubernetes API rejected an object as invalid.
    public static let kubernetesInvalid = ErrorCode(
        id: "INFRA-K8S-040", title: "Kubernetes object invalid", severity: 3, occurrence: 4, detectability: 2)

    /// Every code this package defines.
    public static let all: [ErrorCode] = [
        .connectionFailed, .authenticationFailed, .tlsFailed, .throttled, .secretNotFound, .secretDisabled,
        .retrieveFailed,
        .writeFailed, .deletedButRecoverable, .purgeNotAllowed, .cacheWriteFailed, .cacheReadFailed, .cacheUnavailable,
        .invalidInput,
        .malformedResponse, .kubernetesUnavailable, .kubernetesForbidden, .kubernetesConflict, .kubernetesInvalid,
    ]
}
