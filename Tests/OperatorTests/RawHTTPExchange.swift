import Foundation
import TestEnvironment

/// One exchange over a plain TCP connection to a local port: the bytes sent as they are (so a test
/// can send what no HTTP client would), everything read until the server closes.
struct RawHTTPExchange {
    let port: Int

    /// Opens a connection and leaves it idle; closed when the result is released.
    func idleConnection() throws -> FileDescriptor { try FileDescriptor(connectingTo: port) }

    /// Sends `pieces` 100 ms apart (then closes the sending side, with `thenHalfClose`) and returns
    /// the whole reply. `timeout` only ends a read from a server that never answers.
    func send(_ pieces: String..., thenHalfClose: Bool = false, timeout: Duration = .seconds(60)) throws -> String {
        let connection = try FileDescriptor(connectingTo: port)
        var timeval = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        _ = setsockopt(connection.fd, SOL_SOCKET, SO_RCVTIMEO, &timeval, socklen_t(MemoryLayout<timeval>.size))
        for (index, piece) in pieces.enumerated() {
            if index > 0 { usleep(100_000) }
            let bytes = Array(piece.utf8)
            var sent = 0
            while sent < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.send(connection.fd, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { break }  // the server may answer and close before it read everything
                sent += count
            }
        }
        if thenHalfClose { _ = shutdown(connection.fd, Int32(SHUT_WR)) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            reply += chunk[..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }

    final class FileDescriptor {
        let fd: Int32

        init(connectingTo port: Int) throws {
            guard let fd = LocalPorts.connect(to: port) else { throw POSIXError(.ECONNREFUSED) }
            self.fd = fd
        }

        deinit { close(fd) }
    }
}
