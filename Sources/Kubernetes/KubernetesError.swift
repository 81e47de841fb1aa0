/// A failure from the API server (its `Status` object) or of the transport.
public struct KubernetesError: Error, Sendable, CustomStringConvertible {
    /// A field problem reported with 422 Invalid.
    public struct Cause: Decodable, Sendable, Hashable {
        public var reason: String?
        public var message: String?
        public var field: String?
    }

    /// The HTTP status; 0 when no response arrived.
    public var code: Int
    /// `NotFound`, `AlreadyExists`, `Conflict`, `Gone`, `Forbidden`, `Invalid`, `TooManyRequests`, …;
    /// `Unavailable` when no response arrived.
    public var reason: String
    public var message: String
    public var causes: [Cause]
    /// Seconds the server asked to wait before retrying.
    public var retryAfter: Int?

    public init(code: Int, reason: String, message: String, causes: [Cause] = [], retryAfter: Int? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = causes
        self.retryAfter = retryAfter
    }

    public var isNotFound: Bool { reason == "NotFound" || code == 404 }
    public var isConflict: Bool { reason == "Conflict" || code == 409 && reason != "AlreadyExists" }
    public var isAlreadyExists: Bool { reason == "AlreadyExists" }
    public var isGone: Bool { reason == "Expired" || reason == "Gone" || code == 410 }
    public var isForbidden: Bool { code == 403 }
    public var isInvalid: Bool { code == 422 }
    public var isUnavailable: Bool { code == 0 }

    public var description: String {
        var text = "\(code) \(reason): \(message)"
        if !causes.isEmpty {
            text +=
                " [" + causes.map { "\($0.field ?? "-"): \($0.message ?? $0.reason ?? "")" }.joined(separator: "; ")
                + "]"
        }
        return text
    }
}

/// The `Status` object of error responses and watch ERROR events.
struct StatusObject: Decodable {
    struct Details: Decodable { var causes: [KubernetesError.Cause]? }
    var code: Int?
    var reason: String?
    var message: String?
    var details: Details?

    func error(status: Int, retryAfter: Int? = nil) -> KubernetesError {
        KubernetesError(
            code: code ?? status, reason: reason ?? "Unknown", message: message ?? "HTTP \(status)",
            causes: details?.causes ?? [],
            retryAfter: retryAfter)
    }
}
