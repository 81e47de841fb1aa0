import Foundation

/// The non-blocking half of a connection, for `PipelinedConnection`: commands are appended to the
/// output buffer and written when the socket takes them; replies are parsed from what the socket
/// holds. Neither waits.
extension RedisConnection {
    /// Appends `commands` to the output buffer in one piece (an empty buffer takes a lone command's
    /// bytes as they are, without a copy).
    func append(_ commands: [RedisCommand]) {
        guard outputStart < output.count else {
            output = RedisCommand.wireForm(of: commands)
            outputStart = 0
            return
        }
        for command in commands { output += command.wire }
    }

    /// Writes as much of the output buffer as the socket takes: whether it is all written.
    /// - Throws: `connectionLost` when the connection broke.
    func flush() throws(RedisError) -> Bool {
        while outputStart < output.count {
            let start = outputStart
            let outcome = output.withUnsafeBytes { bytes in
                write(UnsafeRawBufferPointer(rebasing: bytes[start...]))
            }
            guard let written = try outcome.get() else { return false }
            outputStart += written
        }
        return true
    }

    /// Writes what the socket takes of `bytes` now: the count, or `nil` when it takes nothing yet.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Result<Int?, RedisError> {
        guard let tls else {
            let count = send(fileDescriptor, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if count >= 0 { return .success(count) }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return .success(nil) }
            return .failure(RedisError(code: .connectionLost, message: String(cString: strerror(errno))))
        }
        return Result { () throws(RedisError) -> Int? in
            switch try tls.write(bytes) {
            case .bytes(let count): return count
            case .wouldBlock: return nil
            case .closed: throw RedisError(code: .connectionLost, message: "the server closed the connection")
            }
        }
    }

    /// Reads what the socket holds into the reply parser. It touches only the socket and the
    /// parser, never the output buffer, so that commands can be appended and written meanwhile.
    /// - Throws: `connectionLost` when the connection broke or the server closed it.
    func receive() throws(RedisError) {
        try withUnsafeTemporaryAllocation(byteCount: 16 * 1024, alignment: 1) { buffer throws(RedisError) in
            repeat {
                let count: Int
                if let tls {
                    switch try tls.read(into: buffer) {
                    case .bytes(let read): count = read
                    case .wouldBlock: return
                    case .closed: throw RedisError(code: .connectionLost, message: "the server closed the connection")
                    }
                } else {
                    count = read(fileDescriptor, buffer.baseAddress, buffer.count)
                    if count == 0 {
                        throw RedisError(code: .connectionLost, message: "the server closed the connection")
                    }
                    if count < 0 {
                        if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                        throw RedisError(code: .connectionLost, message: String(cString: strerror(errno)))
                    }
                }
                try replies.feed(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                // TLS may hold decrypted bytes the socket no longer shows as readable.
            } while tls?.hasBufferedInput == true
        }
    }

    /// The next complete reply received, or `nil` when more bytes are needed.
    /// - Throws: `connectionLost` for bytes that break the protocol, `replyRefused` past the bounds.
    func nextReceivedReply() throws(RedisError) -> RedisValue? {
        try replies.nextReply()
    }
}
