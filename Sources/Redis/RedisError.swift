/// A Redis failure: the connection, the protocol, or an error reply (with Redis's own text).
public struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        enum Base: String, Sendable {
            case connectionFailed, tlsFailed, connectionLost, timedOut, serverError, permissionDenied, unexpectedReply,
                replyRefused, shutdown
        }
        let base: Base

        /// Could not connect, authenticate or select the database.
        public static let connectionFailed = Code(base: .connectionFailed)
        /// The TLS handshake failed: the server's certificate did not verify, or it does not speak TLS.
        public static let tlsFailed = Code(base: .tlsFailed)
        /// The connection broke during a command.
        public static let connectionLost = Code(base: .connectionLost)
        public static let timedOut = Code(base: .timedOut)
        /// Redis answered with an error reply.
        public static let serverError = Code(base: .serverError)
        /// Redis refused the command under the ACL user's rules (a `NOPERM` reply): a missing grant.
        public static let permissionDenied = Code(base: .permissionDenied)
        /// The reply had a type the command does not produce.
        public static let unexpectedReply = Code(base: .unexpectedReply)
        /// The server sent a reply past `maxReplyBytes` or `maxReplyDepth`; the connection was dropped.
        public static let replyRefused = Code(base: .replyRefused)
        public static let shutdown = Code(base: .shutdown)

        public var description: String { base.rawValue }
    }

    public var code: Code
    /// What Redis or hiredis said. Never contains a command's arguments.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "Redis \(code): \(message)" }

    /// The error for Redis's error reply `text` to `command`: `permissionDenied` for an ACL refusal
    /// (whose text names the command or key refused), else `serverError`.
    public static func reply(_ text: String, to command: String? = nil) -> RedisError {
        let message = command.map { "\($0) failed: \(text)" } ?? text
        guard text.hasPrefix("NOPERM") else { return RedisError(code: .serverError, message: message) }
        return RedisError(
            code: .permissionDenied, message: message + " (the Redis ACL user lacks a grant: see docs/security.md)")
    }
}
