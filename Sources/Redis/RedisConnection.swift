import CHiredis
import DurationUnits
import Foundation

/// One connection to Redis: a non-blocking socket, TLS on it when configured, and hiredis's reply
/// parser. Commands are queued in an output buffer and written when the socket takes them.
///
/// Used blocking (waiting with `poll`) by one thread at a time, by a subscription's worker or
/// while it connects, until `PipelinedConnection` takes it over (`RedisConnection+NonBlocking`).
///
/// `@unchecked Sendable`: the output buffer is touched by one thread at a time (whoever holds
/// the connection, or its `PipelinedConnection`'s lock), and the parser by its reader of the moment.
final class RedisConnection: @unchecked Sendable {
    let fileDescriptor: Int32
    let tls: TLSSession?
    let replies: ReplyReader
    /// Commands not written yet, from `outputStart` on.
    var output: [UInt8] = []
    var outputStart = 0
    /// How long a blocking wait for a reply may take; `nil` waits without a limit.
    private var replyTimeout: Duration?

    /// Connects (TLS included), then authenticates and selects the database as configured.
    init(configuration: RedisClient.Configuration) throws {
        let deadline = ContinuousClock.now + configuration.connectTimeout
        replies = try ReplyReader(maxBytes: configuration.maxReplyBytes, maxDepth: configuration.maxReplyDepth)
        let fd = try RedisSocket.connect(host: configuration.host, port: configuration.port, deadline: deadline)
        do {
            tls = try configuration.tls.map { tls throws(RedisError) in
                let session = try TLSSession(
                    context: tls.context, fd: fd, serverName: tls.serverName ?? configuration.host)
                try session.handshake(deadline: deadline)
                return session
            }
        } catch {
            close(fd)
            throw RedisError(code: error.code, message: "\(configuration.host):\(configuration.port): \(error.message)")
        }
        // From here on `deinit` closes the socket, also when `init` throws.
        fileDescriptor = fd
        replyTimeout = configuration.commandTimeout
        if let username = configuration.username {
            // An ACL user with `nopass` accepts any password.
            try setUp(RedisCommand("AUTH", username, configuration.password ?? ""))
        } else if let password = configuration.password {
            try setUp(RedisCommand("AUTH", password))
        }
        if configuration.database != 0 {
            try setUp(RedisCommand("SELECT", String(configuration.database)))
        }
    }

    deinit {
        close(fileDescriptor)
    }

    private func setUp(_ command: RedisCommand) throws {
        if case .error(let text) = try pipeline([command])[0] {
            throw RedisError(code: .connectionFailed, message: "\(command.name) failed: \(text)")
        }
    }

    /// Sends every command in one write and reads their replies in order. Error replies are
    /// returned as `.error` values; a broken connection throws.
    func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisValue] {
        let deadline = replyTimeout.map { ContinuousClock.now + $0 }
        append(commands)
        while try !flush() { try wait(for: POLLOUT, until: deadline) }
        var values: [RedisValue] = []
        values.reserveCapacity(commands.count)
        while values.count < commands.count {
            values.append(try nextReply(until: deadline))
        }
        return values
    }

    /// Waits for the next reply or push message (after SUBSCRIBE), with no time limit after
    /// `waitForever()`.
    func nextReply() throws(RedisError) -> RedisValue {
        try nextReply(until: replyTimeout.map { ContinuousClock.now + $0 })
    }

    private func nextReply(until deadline: ContinuousClock.Instant?) throws(RedisError) -> RedisValue {
        while true {
            if let reply = try replies.nextReply() { return reply }
            try wait(for: POLLIN, until: deadline)
            try receive()
        }
    }

    /// Removes the time limit on replies and turns on TCP keepalive (for long-lived subscriptions).
    func waitForever() {
        replyTimeout = nil
        RedisSocket.keepAlive(fileDescriptor)
    }

    /// Unblocks a thread waiting in `nextReply()` from any thread: the socket is shut down.
    func interrupt() {
        _ = shutdown(fileDescriptor, Int32(SHUT_RDWR))
    }

    /// Waits until the socket is ready for `events`.
    /// - Throws: `timedOut` past `deadline` (`nil`: no limit).
    private func wait(for events: Int32, until deadline: ContinuousClock.Instant?) throws(RedisError) {
        var descriptor = pollfd(fd: fileDescriptor, events: Int16(events), revents: 0)
        while true {
            var timeout: Int32 = -1
            if let deadline {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else {
                    throw RedisError(code: .timedOut, message: "no reply within the command timeout")
                }
                timeout = Int32(clamping: left.inMilliseconds + 1)
            }
            let ready = poll(&descriptor, 1, timeout)
            if ready > 0 || (ready < 0 && errno != EINTR) { return }
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
