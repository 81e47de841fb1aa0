import HTTPEndpoints
import Synchronization
import TestEnvironment
import Testing

/// The probe and metrics server on its own, in process, as kubelet, Prometheus and hostile
/// clients meet it.
struct EndpointServerTests {
    /// A server on a free loopback port answering `/healthz` and `/metrics`, run for `body`.
    static func withServer(_ body: (_ port: Int) async throws -> Void) async throws {
        let port = LocalPorts.free()
        let server = try EndpointServer(host: "127.0.0.1", port: port) { path in
            switch path {
            case "/healthz": .text(200, "ok\n")
            case "/metrics":
                EndpointResponse(
                    status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array("up 1\n".utf8))
            default: nil
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await server.run() }
            try await body(port)
            group.cancelAll()
        }
    }

    static func send(_ port: Int, _ pieces: String..., thenHalfClose: Bool = false) async throws -> String {
        try await RawHTTPConnection(port: port).exchange(pieces, thenHalfClose: thenHalfClose)
    }

    @Test func aProbeGetsItsAnswerWithTheConnectionClosed() async throws {
        try await Self.withServer { port async throws in
            #expect(
                try await Self.send(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                    == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"
            )
            let head = try await Self.send(port, "HEAD /healthz HTTP/1.1\r\n\r\n")
            #expect(
                head.hasPrefix("HTTP/1.1 200 OK\r\n") && head.contains("Content-Length: 3\r\n")
                    && head.hasSuffix("\r\n\r\n"))
            let metrics = try await Self.send(port, "GET /metrics?name=up HTTP/1.1\r\n\r\n")
            #expect(
                metrics.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n")
                    && metrics.hasSuffix("\r\n\r\nup 1\n"))
        }
    }

    @Test func aHeadInPiecesWithBareLineFeedsOrAHalfCloseIsAnswered() async throws {
        try await Self.withServer { port async throws in
            #expect(try await Self.send(port, "GET /heal", "thz HTTP/1.0\n", "\n").hasSuffix("\r\n\r\nok\n"))
            #expect(
                try await Self.send(port, "GET /healthz HTTP/1.1\r\n\r\n", thenHalfClose: true).hasSuffix(
                    "\r\n\r\nok\n"))
        }
    }

    @Test func whatIsNotAProbeIsRefusedWithItsStatus() async throws {
        try await Self.withServer { port async throws in
            let post = try await Self.send(port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\n") && post.contains("Allow: GET, HEAD\r\n"))
            #expect(try await Self.send(port, "GET /admin HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404 Not Found\r\n"))
            #expect(try await Self.send(port, "hello\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
            let padded =
                "GET /healthz HTTP/1.1\r\nX-Padding: \(String(repeating: "a", count: EndpointServer.maximumHead + 800))\r\n\r\n"
            #expect(try await Self.send(port, padded).hasPrefix("HTTP/1.1 431 "))
        }
    }

    @Test func idleClientsBeyondTheLimitMakeWayForAProbe() async throws {
        try await Self.withServer { port async throws in
            let idle = try (0..<(EndpointServer.maximumConnections + 16)).map { _ in try RawHTTPConnection(port: port) }
            #expect(try await Self.send(port, "GET /healthz HTTP/1.1\r\n\r\n").hasSuffix("\r\n\r\nok\n"))
            withExtendedLifetime(idle) {}
        }
    }

    @Test func aTakenPortIsAClearError() throws {
        let port = LocalPorts.free()
        let first = try EndpointServer(host: "127.0.0.1", port: port) { _ in nil }
        let error = #expect(throws: EndpointServer.Failure.self) {
            _ = try EndpointServer(host: "127.0.0.1", port: port) { _ in nil }
        }
        #expect(error?.description.contains("cannot listen on 127.0.0.1:\(port)") == true)
        withExtendedLifetime(first) {}
    }

    @Test(arguments: [(":8081", "0.0.0.0", 8081), ("127.0.0.1:9090", "127.0.0.1", 9090), ("[::1]:80", "[::1]", 80)])
    func listeningAddressesAreHostAndPort(text: String, host: String, port: Int) {
        #expect(HostAndPort(text) == HostAndPort(host: host, port: port))
    }

    @Test(arguments: ["8081", "host:", ":99999", "host:port"])
    func otherAddressesAreRefused(text: String) {
        #expect(HostAndPort(text) == nil)
    }
}
