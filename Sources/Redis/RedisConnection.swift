import CHiredis
import DurationUnits
import Foundation

/// One hiredis connection: blocking, used from one thread at a time (a subscription's worker, or
/// while it connects), until `PipelinedConnection` takes it over in non-blocking mode.
///
/// `@unchecked Sendable`: it owns a `redisContext`, which only one thread touches at a time (the
/// thread that holds it, or whoever holds its `PipelinedConnection`'s lock).
final class RedisConnection: @unchecked Sendable {
    let context: UnsafeMutablePointer<redisContext>

    /// Connects, then authenticates and selects the database as configured.
    init(configuration: RedisClient.Configuration) throws {
        guard
            let context = kvo_redis_connect(
                configuration.host, Int32(configuration.port), configuration.connectTimeout.inMilliseconds)
        else { throw RedisError(code: .connectionFailed, message: "cannot allocate a hiredis context") }
        // From here on `deinit` frees the context, also when `init` throws.
        self.context = context
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            throw RedisError(
                code: .connectionFailed, message: "\(configuration.host):\(configuration.port): \(message)")
        }
        _ = kvo_redis_set_timeout(context, configuration.commandTimeout.inMilliseconds)
        if let password = configuration.password {
            let auth =
                configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
            try setUp(auth)
        }
        if configuration.database != 0 {
            try setUp(RedisCommand("SELECT", String(configuration.database)))
        }
    }

    deinit {
        redisFree(context)
    }

    private func setUp(_ command: RedisCommand) throws {
        if case .error(let text) = try pipeline([command])[0] {
            throw RedisError(code: .connectionFailed, message: "\(command.name) failed: \(text)")
        }
    }

    /// Sends every command in one write and reads their replies in order. Error replies are
    /// returned as `.error` values; a broken connection throws.
    func pipeline(_ commands: [RedisCommand]) throws -> [RedisValue] {
        guard append(commands) else { throw connectionError() }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            guard let reply = kvo_redis_get_reply(context) else { throw connectionError() }
            defer { freeReplyObject(reply) }
            replies.append(Self.value(of: reply))
        }
        return replies
    }

    /// Waits for the next reply or push message (after SUBSCRIBE), with no time limit when the
    /// connection's timeout is zero.
    func nextReply() throws -> RedisValue {
        guard let reply = kvo_redis_get_reply(context) else { throw connectionError() }
        defer { freeReplyObject(reply) }
        return Self.value(of: reply)
    }

    /// Removes the time limit on replies and turns on TCP keepalive (for long-lived subscriptions).
    func waitForever() {
        _ = kvo_redis_set_timeout(context, 0)
        _ = redisEnableKeepAlive(context)
    }

    /// Unblocks a thread waiting in `nextReply()` from any thread: the socket is shut down.
    func interrupt() {
        _ = shutdown(context.pointee.fd, Int32(SHUT_RDWR))
    }

    private func connectionError() -> RedisError {
        let text = Self.errorText(context)
        let timedOut = context.pointee.err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)
        return RedisError(
            code: timedOut ? .timedOut : .connectionLost, message: text.isEmpty ? "connection lost" : text)
    }

    static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let r = reply.pointee
        func text() -> String {
            guard let str = r.str else { return "" }
            return String(decoding: UnsafeRawBufferPointer(start: str, count: Int(r.len)), as: UTF8.self)
        }
        switch r.type {
        case REDIS_REPLY_STRING:
            guard let str = r.str else { return .bulk(Data()) }
            return .bulk(Data(bytes: str, count: Int(r.len)))
        case REDIS_REPLY_STATUS: return .status(text())
        case REDIS_REPLY_ERROR: return .error(text())
        case REDIS_REPLY_INTEGER: return .integer(Int(r.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<Int(r.elements)).compactMap { index in r.element[index].map { value(of: $0) } })
        default: return .null
        }
    }
}
