import DurationUnits
import Foundation
import Synchronization

/// A small HTTP/1.1 server for the operator's probe and metrics endpoints: `GET` and `HEAD`, as
/// kubelet and Prometheus send them, with no web framework behind it (SwiftNIO and Hummingbird
/// were 10 MB of the operator's code, most of it resident, for three paths).
///
/// One thread polls the listening socket and every connection. Each connection gets one answer
/// (`Connection: close`), computed by the handler on Swift's pool while the thread goes on serving
/// others. A connection has `connectionTimeout` for its request head (at most `maximumHead` bytes)
/// and its answer; of more than `maximumConnections` at once, the one that has waited longest for
/// its head is dropped, so idle or slow clients cannot keep probes out.
///
/// `@unchecked Sendable`: `connections`, `nextID`, `listenerClosed` and `acceptPausedUntil` belong
/// to the polling thread (and to `deinit`, after it); the rest is immutable or locked.
package final class EndpointServer: @unchecked Sendable {
    /// The answer to a path, or `nil` for 404.
    package typealias Handler = @Sendable (_ path: String) async -> EndpointResponse?

    package static let maximumHead = 8192
    package static let connectionTimeout = Duration.seconds(10)
    package static let maximumConnections = 64

    private struct Connection {
        enum Phase {
            case reading
            /// The handler runs; the answer comes through `answered`.
            case answering
            case writing
        }
        let fd: Int32
        let deadline: ContinuousClock.Instant
        var phase = Phase.reading
        var input: [UInt8] = []
        var output: [UInt8] = []
        var sent = 0
    }

    private let listener: Int32
    private let handler: Handler
    /// A pipe that wakes the polling thread: an answer is ready, or the server stops.
    private let wakeReader: Int32
    private let wakeWriter: Int32
    /// Answers computed on the pool, by connection, for the polling thread to write.
    private let answered = Mutex<[(id: UInt64, bytes: [UInt8])]>([])
    private let stopping = Atomic(false)
    private var connections: [UInt64: Connection] = [:]
    private var nextID: UInt64 = 0
    private var listenerClosed = false
    /// Out of file descriptors, accept() fails while the listener stays readable: it rests until then.
    private var acceptPausedUntil = ContinuousClock.now

    /// Listens on `host:port` (`[::1]` style hosts too).
    /// - Throws: `EndpointServer.Failure` when the address cannot be resolved or bound (a port taken).
    package init(host: String, port: Int, handler: @escaping Handler) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            throw Failure(description: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        for fd in pipeEnds {
            Self.makeNonBlocking(fd)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeReader = pipeEnds[0]
        wakeWriter = pipeEnds[1]
        do {
            listener = try Self.listen(host: host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
        } catch {
            close(wakeReader)
            close(wakeWriter)
            throw error
        }
        self.handler = handler
    }

    deinit {
        closeListener()
        close(wakeReader)
        close(wakeWriter)
    }

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
    }

    /// Serves until the calling task is cancelled, then stops accepting; answers under way are
    /// still written (within their connection's timeout).
    package func run() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    serve()
                    done.resume()
                }
                thread.name = "endpoints"
                thread.start()
            }
        } onCancel: {
            stopping.store(true, ordering: .releasing)
            wake()
        }
    }

    /// Once stopped, new connections are refused rather than left waiting.
    private func closeListener() {
        guard !listenerClosed else { return }
        listenerClosed = true
        close(listener)
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWriter, &byte, 1)
    }

    private static func listen(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &results)
        guard status == 0, let results else {
            throw Failure(description: "cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(results) }
        var problem = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = results
        while let info = next?.pointee {
            next = info.ai_next
            let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
            guard fd >= 0 else {
                problem = String(cString: strerror(errno))
                continue
            }
            var on: Int32 = 1
            _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            if bind(fd, info.ai_addr, info.ai_addrlen) == 0, Glibc.listen(fd, 128) == 0 {
                makeNonBlocking(fd)
                return fd
            }
            problem = String(cString: strerror(errno))
            close(fd)
        }
        throw Failure(description: "cannot listen on \(host):\(port): \(problem)")
    }

    /// Non-blocking, and not inherited by child processes.
    private static func makeNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// The polling thread's loop, until the server stops and its last answer is written.
    private func serve() {
        while true {
            let stopped = stopping.load(ordering: .acquiring)
            if stopped {
                closeListener()
                for (id, connection) in connections where connection.phase == .reading { drop(id) }
                if connections.isEmpty { return }
            }
            let ids = Array(connections.keys)
            let accepting = !stopped && acceptPausedUntil <= .now
            var descriptors = [
                pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
                pollfd(fd: accepting ? listener : -1, events: Int16(POLLIN), revents: 0),
            ]
            for id in ids {
                let connection = connections[id]!
                let events: Int32 =
                    switch connection.phase {
                    case .reading: POLLIN
                    case .writing: POLLOUT
                    case .answering: 0
                    }
                descriptors.append(pollfd(fd: connection.fd, events: Int16(events), revents: 0))
            }
            let now = ContinuousClock.now
            var wakeAt = connections.values.map(\.deadline)
            if acceptPausedUntil > now { wakeAt.append(acceptPausedUntil) }
            let nearest = wakeAt.min().map { now.duration(to: $0) } ?? .seconds(1)
            _ = poll(
                &descriptors, nfds_t(descriptors.count), Int32(max(.zero, min(nearest, .seconds(1))).inMilliseconds + 1)
            )

            if descriptors[0].revents != 0 { takeAnswers() }
            if descriptors[1].revents != 0 { acceptConnections() }
            for (index, id) in ids.enumerated() where descriptors[index + 2].revents != 0 {
                guard let phase = connections[id]?.phase else { continue }
                switch phase {
                case .reading: read(id)
                case .writing: write(id)
                // Hung up (poll reports it unasked) while its answer is computed: it cannot read it.
                case .answering: drop(id)
                }
            }
            let expiry = ContinuousClock.now
            for (id, connection) in connections where connection.deadline <= expiry { drop(id) }
        }
    }

    private func acceptConnections() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else {
                if errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM {
                    acceptPausedUntil = .now + .milliseconds(100)
                }
                return  // EAGAIN: all taken; other errors: tried again on the next poll
            }
            Self.makeNonBlocking(fd)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            if connections.count >= Self.maximumConnections {
                let waiting = connections.filter { $0.value.phase == .reading }.min {
                    $0.value.deadline < $1.value.deadline
                }
                guard let oldest = waiting?.key else {
                    close(fd)
                    continue
                }
                drop(oldest)
            }
            nextID += 1
            connections[nextID] = Connection(fd: fd, deadline: .now + Self.connectionTimeout)
        }
    }

    private func read(_ id: UInt64) {
        guard var connection = connections[id] else { return }
        var chunk = [UInt8](repeating: 0, count: 4096)
        var peerClosed = false
        while connection.input.count <= Self.maximumHead {
            let count = chunk.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK { break }
            // A client may close its sending side once its request is out; it still reads the answer.
            guard count > 0 else {
                peerClosed = true
                break
            }
            connection.input += chunk[..<count]
        }
        let end = EndpointRequest.endOfHead(in: connection.input)
        guard end != nil || connection.input.count > Self.maximumHead else {
            // Closed or broken before its request was complete: nothing to answer.
            if peerClosed { return drop(id) }
            connections[id] = connection
            return
        }
        guard let end, end <= Self.maximumHead else {
            return respond(id, connection, .text(431, "request head larger than \(Self.maximumHead) bytes\n"))
        }
        guard let request = EndpointRequest(head: Array(connection.input[..<end])) else {
            return respond(id, connection, .text(400, "malformed request\n"))
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return respond(id, connection, .text(405, "only GET and HEAD\n", extraHeaders: "Allow: GET, HEAD\r\n"))
        }
        connection.phase = .answering
        connection.input = []
        connections[id] = connection
        let handler = handler
        Task {
            let response = await handler(request.path) ?? .text(404, "not found\n")
            answered.withLock { $0.append((id, response.bytes(withBody: request.method == "GET"))) }
            wake()
        }
    }

    private func respond(_ id: UInt64, _ connection: Connection, _ response: EndpointResponse) {
        var connection = connection
        connection.phase = .writing
        connection.output = response.bytes(withBody: true)
        connections[id] = connection
        write(id)
    }

    private func takeAnswers() {
        var drained = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakeReader, &drained, drained.count) > 0 {}
        let answers = answered.withLock { answers -> [(id: UInt64, bytes: [UInt8])] in
            defer { answers = [] }
            return answers
        }
        for (id, bytes) in answers {
            // A connection dropped meanwhile (its time ran out) has no use for its answer.
            guard var connection = connections[id], connection.phase == .answering else { continue }
            connection.phase = .writing
            connection.output = bytes
            connections[id] = connection
            write(id)
        }
    }

    private func write(_ id: UInt64) {
        guard var connection = connections[id] else { return }
        while connection.sent < connection.output.count {
            let count = connection.output.withUnsafeBytes {
                send(connection.fd, $0.baseAddress! + connection.sent, $0.count - connection.sent, Int32(MSG_NOSIGNAL))
            }
            if count < 0, errno == EINTR { continue }
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                connections[id] = connection
                return
            }
            guard count > 0 else { return drop(id) }
            connection.sent += count
        }
        _ = shutdown(connection.fd, Int32(SHUT_WR))
        drop(id)
    }

    private func drop(_ id: UInt64) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        close(connection.fd)
    }
}
