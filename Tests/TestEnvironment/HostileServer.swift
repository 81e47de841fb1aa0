import Foundation

/// A server on a free loopback port that answers its first client's first request with `reply`,
/// then sends `stream` over and over until the client hangs up: a broken or hostile Redis or
/// HTTP server. `bytesSent()` is what it managed to write before the client closed the connection.
public final class HostileServer: Sendable {
    public let port: Int
    private let sent = OneShot<Int>()

    public convenience init(reply: String, stream: String = "") throws {
        try self.init(reply: Array(reply.utf8), stream: Array(stream.utf8))
    }

    public init(reply: [UInt8], stream: [UInt8] = []) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard listener >= 0, bound == 0, listen(listener, 1) == 0 else {
            close(listener)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        let sent = self.sent
        Thread {
            defer { close(listener) }
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return sent.set(0) }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            defer { close(client) }
            var request = [UInt8](repeating: 0, count: 4096)
            _ = read(client, &request, request.count)
            var total = Self.write(reply, to: client) ?? 0
            let chunk = Array([[UInt8]](repeating: stream, count: max(1, 65536 / max(1, stream.count))).joined())
            while !stream.isEmpty, let written = Self.write(chunk, to: client) { total += written }
            sent.set(total)
        }.start()
    }

    /// The bytes written before the client closed the connection.
    public func bytesSent() async -> Int { await sent.wait() }

    private static func write(_ bytes: [UInt8], to fd: Int32) -> Int? {
        let count = send(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL))
        return count > 0 ? count : nil
    }
}
