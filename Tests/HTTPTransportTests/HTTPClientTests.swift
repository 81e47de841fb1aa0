import Foundation
import HTTPTransport
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct HTTPClientTests {
    @Test func getVersionWithBearerTokenAndCA() async throws {
        let server = try KubeAPIServer()
        let response = try await server.client.execute(server.request(.get, "/version"))
        #expect(response.status == 200)
        #expect(try server.json(response)["gitVersion"] as? String == "v1.20.2")
        #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
    }

    @Test func requestWithoutTokenIsUnauthorized() async throws {
        let server = try KubeAPIServer()
        let response = try await server.client.execute(HTTPRequest(url: server.environment.url + "/version"))
        #expect(response.status == 401)
    }

    @Test func http2IsNegotiatedWhenOfferedAndHTTP1CanBeForced() async throws {
        let server = try KubeAPIServer()
        for _ in 0..<5 {
            let response = try await server.client.execute(server.request(.get, "/version"))
            #expect(response.head.version == "2")
        }
        let http1 = try KubeAPIServer(
            configuration: .init(tls: .init(trust: .file(server.environment.caFile)), enableHTTP2: false))
        #expect(try await http1.client.execute(http1.request(.get, "/version")).head.version == "1.1")
    }

    @Test func keptAliveConnectionsAreReused() async throws {
        let server = try KubeAPIServer()
        let first = try await server.client.execute(server.request(.get, "/version"))
        #expect(first.head.newConnections == 1)
        for _ in 0..<10 {
            #expect(try await server.client.execute(server.request(.get, "/version")).head.newConnections == 0)
        }
        let http1 = try KubeAPIServer(
            configuration: .init(tls: .init(trust: .file(server.environment.caFile)), enableHTTP2: false))
        _ = try await http1.client.execute(http1.request(.get, "/version"))
        #expect(try await http1.client.execute(http1.request(.get, "/version")).head.newConnections == 0)
    }

    @Test func wrongCAFailsWithATLSError() async throws {
        let environment = try TestEnvironment.kubernetes()
        // The error code proves the handshake failed rather than timed out; the elapsed time that it
        // failed at once, not at the 60 s connect timeout (half of it is a margin no load reaches).
        let client = try HTTPClient(
            configuration: .init(tls: .init(trust: .file(environment.wrongCAFile)), connectTimeout: .seconds(60)))
        let started = ContinuousClock.now
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: environment.url + "/version"))
        }
        #expect(error?.code == .tlsFailure)
        let elapsed = ContinuousClock.now - started
        print("HTTP wrong CA: failed after \(elapsed)")
        #expect(elapsed < .seconds(30))
    }

    @Test func missingCAFileIsRejectedNotIgnored() throws {
        #expect(throws: HTTPError.self) {
            try HTTPClient(configuration: .init(tls: .init(trust: .file("/nonexistent/ca.crt"))))
        }
    }

    @Test func caAsPEMDataAndClientCertificateAuthenticate() async throws {
        let environment = try TestEnvironment.kubernetes()
        let value = { (name: String) in ProcessInfo.processInfo.environment[name] ?? "" }
        let tls = HTTPClient.TLSConfiguration(
            trust: .pem(try Data(contentsOf: URL(fileURLWithPath: environment.caFile))),
            clientCertificate: .pem(try Data(contentsOf: URL(fileURLWithPath: value("KVO_TEST_KUBE_CLIENT_CERT")))),
            clientKey: .file(value("KVO_TEST_KUBE_CLIENT_KEY")))
        let client = try HTTPClient(configuration: .init(tls: tls))
        let response = try await client.execute(HTTPRequest(url: environment.url + "/api/v1/namespaces/default"))
        #expect(response.status == 200)
    }

    @Test func postSendsTheBody() async throws {
        let server = try KubeAPIServer()
        let name = try await server.createNamespace(prefix: "http-post")
        let response = try await server.client.execute(server.request(.get, "/api/v1/namespaces/\(name)"))
        #expect(response.status == 200)
        let metadata = try server.json(response)["metadata"] as? [String: Any]
        #expect(metadata?["name"] as? String == name)
    }

    @Test func connectionRefusedIsAConnectionError() async throws {
        let client = try HTTPClient()
        let port = LocalPorts.free()
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(port)/"))
        }
        #expect(error?.code == .connectionFailed)
    }

    @Test func requestTimeoutEndsAQuietStream() async throws {
        let server = try KubeAPIServer()
        var request = try server.request(.get, "/api/v1/namespaces/kvo-quiet/configmaps?watch=1")
        request.timeout = .milliseconds(500)
        let error = await #expect(throws: HTTPError.self) {
            try await server.client.execute(request)
        }
        #expect(error?.code == .timedOut)
    }
}
