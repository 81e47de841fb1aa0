import Foundation

/// A plain TCP connection to a loopback port, for what no HTTP client would send: bytes as they
/// are, in pieces, a half-close, or nothing at all. Its blocking reads and writes run on a thread
/// of their own, never on Swift's cooperative pool.
public final class RawHTTPConnection: Sendable {
    public let fd: Int32

    /// Connects; throws `ECONNREFUSED` when nothing listens.
    public init(port: Int) throws {
        guard let fd = LocalPorts.connect(to: port) else { throw POSIXError(.ECONNREFUSED) }
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends `pieces` 100 ms apart (then closes the sending side, with `thenHalfClose`) and returns
    /// everything read until the server closes. `limit` only ends a read from a server that never
    /// answers.
    public func exchange(
        _ pieces: [String], thenHalfClose: Bool = false, limit: Duration = .seconds(60)
    ) async -> String {
        await withCheckedContinuation { continuation in
            let thread = Thread { [self] in
                continuation.resume(returning: blockingExchange(pieces, thenHalfClose: thenHalfClose, limit: limit))
            }
            thread.name = "raw-http"
            thread.start()
        }
    }

    private func blockingExchange(_ pieces: [String], thenHalfClose: Bool, limit: Duration) -> String {
        var timeout = timeval(tv_sec: Int(limit.components.seconds), tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        for (index, piece) in pieces.enumerated() {
            if index > 0 { usleep(100_000) }
            let bytes = Array(piece.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes {
                    send(fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL))
                }
                guard count > 0 else { break }  // the server may answer and close before it read everything
                sent += count
            }
        }
        if thenHalfClose { _ = shutdown(fd, Int32(SHUT_WR)) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            reply += chunk[..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
