/// A failure to complete an HTTP exchange. HTTP error statuses are responses, not errors.
public struct HTTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure; new kinds may be added.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case invalidRequest, connectionFailed, tlsFailure, timedOut, cancelled, transport, shutdown
            case responseTooLarge
        }
        let base: Base

        public static let invalidRequest = Code(base: .invalidRequest)
        public static let connectionFailed = Code(base: .connectionFailed)
        public static let tlsFailure = Code(base: .tlsFailure)
        public static let timedOut = Code(base: .timedOut)
        public static let cancelled = Code(base: .cancelled)
        public static let transport = Code(base: .transport)
        public static let shutdown = Code(base: .shutdown)
        /// A response body (decompressed) or a streamed line past the client's limit.
        public static let responseTooLarge = Code(base: .responseTooLarge)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// What went wrong, as libcurl or the client describes it. Never contains a request body.
    public var message: String
    /// The URL the request was sent to, without its query.
    public var url: String

    public init(code: Code, message: String, url: String) {
        self.code = code
        self.message = message
        self.url = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }

    public var description: String { "HTTP \(code) (\(url)): \(message)" }
}
