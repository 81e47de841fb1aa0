/// An error of the KeyVault package: a registered code, a message and context (names, statuses,
/// never secret values). Prints as `[INFRA-KEYVAULT-022] HIGH: Failed to retrieve secret from KeyVault: …`.
public struct KeyVaultError: Error, Sendable, CustomStringConvertible {
    public let code: ErrorCode
    /// Details, e.g. the server's message; never a secret value.
    public let message: String
    /// Secret name, HTTP status, Azure error code and similar.
    public let context: [String: String]
    /// Seconds the server asked to wait (429 `Retry-After`), when it said.
    public let retryAfter: Double?

    public init(_ code: ErrorCode, _ message: String = "", context: [String: String] = [:], retryAfter: Double? = nil) {
        self.code = code
        self.message = message
        self.context = context
        self.retryAfter = retryAfter
    }

    public var severity: ErrorCode.Level { code.level }

    public var description: String {
        var text = code.description
        if !message.isEmpty { text += ": \(message)" }
        if !context.isEmpty {
            text +=
                " (" + context.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        return text
    }

    /// Whether a later attempt may succeed (throttling, server errors, connection failures).
    public var isTransient: Bool {
        [ErrorCode.throttled, .connectionFailed, .retrieveFailed, .writeFailed].contains(code)
            && (context["status"].flatMap(Int.init).map { $0 == 429 || $0 >= 500 } ?? true)
    }
}
