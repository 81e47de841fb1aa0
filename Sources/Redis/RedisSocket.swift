import DurationUnits
import Foundation

/// Opens TCP connections to Redis: non-blocking, close-on-exec (no child process inherits one),
/// without Nagle's delay, within a deadline.
enum RedisSocket {
    /// A connected socket to the first address of `host` that answers.
    /// - Throws: `connectionFailed`, naming the host and port and what went wrong.
    static func connect(host: String, port: Int, deadline: ContinuousClock.Instant) throws(RedisError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var addresses: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &addresses)
        guard resolved == 0, let first = addresses else {
            throw failure(host, port, String(cString: gai_strerror(resolved)))
        }
        defer { freeaddrinfo(first) }
        var problem = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next?.pointee {
            next = address.ai_next
            switch attempt(address, deadline: deadline) {
            case .success(let fd): return fd
            case .failure(let text): problem = text
            }
        }
        throw failure(host, port, problem)
    }

    private enum Attempt {
        case success(Int32)
        case failure(String)
    }

    private static func attempt(_ address: addrinfo, deadline: ContinuousClock.Instant) -> Attempt {
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(address.ai_family, type, 0)
        guard fd >= 0 else { return .failure(String(cString: strerror(errno))) }
        var on: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        if Glibc.connect(fd, address.ai_addr, address.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else {
                defer { close(fd) }
                return .failure(String(cString: strerror(errno)))
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, poll(&descriptor, 1, Int32(clamping: left.inMilliseconds + 1)) > 0 else {
                close(fd)
                return .failure("no connection within the connect timeout")
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else {
                close(fd)
                return .failure(String(cString: strerror(error)))
            }
        }
        return .success(fd)
    }

    /// Turns on TCP keepalive, for connections that wait without a time limit: a peer that
    /// vanished is noticed within about a minute (15 s idle, then 3 probes 15 s apart).
    static func keepAlive(_ fd: Int32) {
        for (level, option, value) in [
            (SOL_SOCKET, SO_KEEPALIVE, 1), (Int32(IPPROTO_TCP), TCP_KEEPIDLE, 15),
            (Int32(IPPROTO_TCP), TCP_KEEPINTVL, 15), (Int32(IPPROTO_TCP), TCP_KEEPCNT, 3),
        ] {
            var value = Int32(value)
            _ = setsockopt(fd, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    private static func failure(_ host: String, _ port: Int, _ problem: String) -> RedisError {
        RedisError(code: .connectionFailed, message: "\(host):\(port): \(problem)")
    }
}
