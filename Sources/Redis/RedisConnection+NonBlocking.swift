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

    /// Reads what the socket holds into the reply parser. It touches only the socket and the
    /// parser, never the output buffer, so that commands can be appended and written meanwhile.
    /// - Throws: `connectionLost` when the connection broke or the server closed it.
    func receive() throws(RedisError) {
        let (count, readError, fed) = withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) {
            buffer -> (Int, Int32, Bool) in
            let count = read(fileDescriptor, buffer.baseAddress, buffer.count)
            guard count > 0 else { return (count, errno, true) }
            return (
                count, 0,
                redisReaderFeed(context.pointee.reader, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), count)
                    == REDIS_OK
            )
        }
        if count == 0 { throw RedisError(code: .connectionLost, message: "the server closed the connection") }
        if count < 0, readError != EAGAIN, readError != EWOULDBLOCK, readError != EINTR {
            throw RedisError(code: .connectionLost, message: String(cString: strerror(readError)))
        }
        if !fed { throw RedisError(code: .connectionLost, message: "the reply parser is out of memory") }
    }

    /// The next complete reply received, or `nil` when more bytes are needed.
    /// - Throws: `connectionLost` for bytes that break the protocol.
    func nextReceivedReply() throws(RedisError) -> RedisValue? {
        let reader = context.pointee.reader
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else {
            let text = withUnsafeBytes(of: reader?.pointee.errstr) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            throw RedisError(code: .connectionLost, message: "protocol error: \(text)")
        }
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
