import COpenSSL
import DurationUnits
import Foundation
import Synchronization

/// One TLS session (OpenSSL `SSL`) on a connected non-blocking socket.
///
/// `@unchecked Sendable`: every use of `ssl` holds `lock`. A connection reads on one thread while
/// another writes, which OpenSSL does not allow on one `SSL` at the same time; each call is
/// non-blocking, so the lock is held only while OpenSSL copies and encrypts.
final class TLSSession: @unchecked Sendable {
    private let ssl: OpaquePointer
    private let lock = Mutex(())

    /// Sets up the session: the name sent (SNI, unless it is an IP address) and, when the context
    /// verifies, the name the certificate must carry.
    init(context: TLSContext, fd: Int32, serverName: String) throws(RedisError) {
        guard let ssl = SSL_new(context.context) else {
            throw RedisError(code: .connectionFailed, message: "cannot create a TLS session: \(Self.queuedErrors())")
        }
        self.ssl = ssl
        _ = SSL_set_fd(ssl, fd)
        if Self.isIPAddress(serverName) {
            if context.verifies { _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) }
        } else {
            _ = kvo_ssl_set_server_name(ssl, serverName)
            if context.verifies { _ = SSL_set1_host(ssl, serverName) }
        }
    }

    deinit { SSL_free(ssl) }

    /// Runs the handshake to its end.
    /// - Throws: `tlsFailed` with OpenSSL's reason (a certificate that does not verify names why),
    ///   also when the server does not finish it before `deadline`.
    func handshake(deadline: ContinuousClock.Instant) throws(RedisError) {
        while true {
            let (result, code) = lock.withLock { _ in
                ERR_clear_error()
                let result = SSL_connect(ssl)
                return (result, SSL_get_error(ssl, result))
            }
            if result == 1 { return }
            let events: Int32
            switch code {
            case SSL_ERROR_WANT_READ: events = Int32(POLLIN)
            case SSL_ERROR_WANT_WRITE: events = Int32(POLLOUT)
            default: throw handshakeFailure(code)
            }
            var descriptor = pollfd(fd: SSL_get_fd(ssl), events: Int16(events), revents: 0)
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, poll(&descriptor, 1, Int32(clamping: left.inMilliseconds + 1)) > 0 else {
                throw RedisError(
                    code: .tlsFailed,
                    message: "no TLS handshake within the connect timeout (does the server speak TLS on this port?)")
            }
        }
    }

    private func handshakeFailure(_ code: Int32) -> RedisError {
        let verification = SSL_get_verify_result(ssl)
        if verification != X509_V_OK {
            let reason = String(cString: X509_verify_cert_error_string(verification))
            return RedisError(code: .tlsFailed, message: "the server's certificate is refused: \(reason)")
        }
        let errors = Self.queuedErrors()
        if code == SSL_ERROR_SYSCALL, errors.isEmpty {
            return RedisError(
                code: .tlsFailed, message: "the server closed the connection during the TLS handshake (is it TLS?)")
        }
        return RedisError(code: .tlsFailed, message: "TLS handshake failed: \(errors)")
    }

    /// What a non-blocking read or write did.
    enum Transfer {
        case bytes(Int)
        case wouldBlock
        case closed
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(RedisError) -> Transfer {
        let (result, code, error) = lock.withLock { _ in
            ERR_clear_error()
            let result = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
            return (result, result > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, result), errno)
        }
        if result > 0 { return .bytes(Int(result)) }
        return try outcome(of: code, errno: error)
    }

    /// Writes what the session takes of `bytes` now. A write that could not finish must be retried
    /// with the same bytes first (they may have moved).
    func write(_ bytes: UnsafeRawBufferPointer) throws(RedisError) -> Transfer {
        let (result, code, error) = lock.withLock { _ in
            ERR_clear_error()
            let result = SSL_write(ssl, bytes.baseAddress, Int32(clamping: bytes.count))
            return (result, result > 0 ? SSL_ERROR_NONE : SSL_get_error(ssl, result), errno)
        }
        if result > 0 { return .bytes(Int(result)) }
        return try outcome(of: code, errno: error)
    }

    /// Whether OpenSSL holds received bytes that a read would return without the socket being readable.
    var hasBufferedInput: Bool { lock.withLock { _ in SSL_has_pending(ssl) == 1 } }

    private func outcome(of code: Int32, errno: Int32) throws(RedisError) -> Transfer {
        switch code {
        // A write that must first read (or the reverse) waits like any other: TLS 1.3 and Redis
        // do not renegotiate, so in practice only the direction asked for blocks.
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE: return .wouldBlock
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let errors = Self.queuedErrors()
            if errors.isEmpty, errno == 0 || errno == ECONNRESET || errno == EPIPE { return .closed }
            throw RedisError(code: .connectionLost, message: errors.isEmpty ? String(cString: strerror(errno)) : errors)
        default:
            throw RedisError(code: .connectionLost, message: "TLS: \(Self.queuedErrors())")
        }
    }

    /// OpenSSL's queued errors for this thread, oldest first, and clears them.
    static func queuedErrors() -> String {
        var texts: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            texts.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return texts.joined(separator: "; ")
    }

    static func isIPAddress(_ name: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET, name, &address) == 1 || inet_pton(AF_INET6, name, &address) == 1
    }
}
