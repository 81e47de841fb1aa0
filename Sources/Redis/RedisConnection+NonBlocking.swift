import CHiredis
import Foundation

/// The non-blocking half of a connection, for `PipelinedConnection`: hiredis formats commands into
/// its output buffer and parses replies from its input buffer; the socket is read and written only
/// when poll says it is ready.
extension RedisConnection {
    var fileDescriptor: Int32 { context.pointee.fd }

    /// From here on reads and writes never block.
    func makeNonBlocking() {
        let fd = context.pointee.fd
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        context.pointee.flags &= ~Int32(REDIS_BLOCK)
    }

    /// Appends `commands` to the output buffer in one piece; `false` when hiredis refuses them.
    func append(_ commands: [RedisCommand]) -> Bool {
        let wire = RedisCommand.wireForm(of: commands)
        return wire.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress, $0.count) }
        } == REDIS_OK
    }

    /// Writes as much of the output buffer as the socket takes: whether it is all written, or `nil`
    /// when the connection broke.
    func flush() -> Bool? {
        var done: Int32 = 0
        guard redisBufferWrite(context, &done) == REDIS_OK else { return nil }
        return done != 0
    }

    /// Reads what the socket holds into the reply parser; `false` when the connection broke or closed.
    func readAvailable() -> Bool {
        redisBufferRead(context) == REDIS_OK
    }

    /// The next complete reply already read, or `nil` when more bytes are needed.
    func nextBufferedReply() throws(RedisError) -> RedisValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisGetReplyFromReader(context, &reply) == REDIS_OK else { throw error() }
        guard let reply else { return nil }
        let typed = reply.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(typed) }
        return Self.value(of: typed)
    }

    /// What broke the connection, in hiredis's words.
    func error() -> RedisError {
        let text = Self.errorText(context)
        return RedisError(code: .connectionLost, message: text.isEmpty ? "connection lost" : text)
    }
}
