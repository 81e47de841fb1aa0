import CHiredis
import Foundation

/// hiredis's reply parser, fed with the bytes a connection receives, within bounds: a reply larger
/// than `maxBytes` (what its header claims, what has arrived of it, or what it would take in
/// memory) or with arrays nested deeper than `maxDepth` is refused before it is held, so memory
/// never grows with what a broken or hostile server claims.
///
/// Used by one thread at a time (the connection's reader of the moment).
final class ReplyReader {
    private let reader: UnsafeMutablePointer<redisReader>
    private let bounds: UnsafeMutablePointer<kvo_reply_bounds>
    private let maxBytes: Int
    private let maxDepth: Int

    init(maxBytes: Int, maxDepth: Int) throws(RedisError) {
        bounds = .allocate(capacity: 1)
        bounds.initialize(to: kvo_reply_bounds())
        bounds.pointee.max_bytes = Int64(maxBytes)
        bounds.pointee.max_depth = Int32(clamping: maxDepth)
        guard let reader = kvo_bounded_reader_create(bounds) else {
            bounds.deallocate()
            throw RedisError(code: .connectionFailed, message: "cannot allocate a reply parser")
        }
        self.reader = reader
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }

    deinit {
        redisReaderFree(reader)
        bounds.deallocate()
    }

    /// Adds received bytes.
    /// - Throws: `replyRefused` when the reply being read is larger than allowed.
    func feed(_ bytes: UnsafeRawBufferPointer) throws(RedisError) {
        guard redisReaderFeed(reader, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK
        else { throw RedisError(code: .connectionLost, message: "the reply parser is out of memory") }
    }

    /// The next complete reply, or `nil` when more bytes are needed.
    /// - Throws: `replyRefused` past the bounds, `connectionLost` for bytes that break the protocol.
    func nextReply() throws(RedisError) -> RedisValue? {
        var reply: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &reply) == REDIS_OK else { throw parseError() }
        guard let reply else {
            try checkIncompleteReply()
            return nil
        }
        bounds.pointee.charged = 0
        let typed = reply.assumingMemoryBound(to: redisReply.self)
        defer { freeReplyObject(typed) }
        return RedisConnection.value(of: typed)
    }

    /// Refuses an incomplete reply at once when its header, or the bytes waiting, already pass the bound.
    private func checkIncompleteReply() throws(RedisError) {
        let claimed = kvo_reader_claimed_bulk(reader)
        if claimed > maxBytes {
            throw tooLarge("a bulk string of \(claimed) bytes")
        }
        if kvo_reader_unparsed(reader) > maxBytes {
            throw tooLarge("more than \(maxBytes) bytes")
        }
    }

    private func parseError() -> RedisError {
        switch Int(bounds.pointee.refusal) {
        case Int(KVO_REPLY_TOO_LARGE): return tooLarge("more than \(maxBytes) bytes")
        case Int(KVO_REPLY_TOO_DEEP):
            return RedisError(
                code: .replyRefused, message: "the server sent a reply nested deeper than \(maxDepth) levels; refused")
        default:
            let text = withUnsafeBytes(of: reader.pointee.errstr) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            return RedisError(code: .connectionLost, message: "protocol error: \(text)")
        }
    }

    private func tooLarge(_ what: String) -> RedisError {
        RedisError(
            code: .replyRefused,
            message: "the server sent a reply of \(what), over the limit of \(maxBytes) bytes; refused")
    }
}
