import Foundation
import HTTPTransport
import TestEnvironment

/// Raw HTTP access to an emulator, to check the wire behaviour a client sees.
struct EmulatorClient {
    let url: String
    let http: HTTPClient
    var token: String?

    struct Reply {
        let status: Int
        let headers: HTTPHeaders
        let json: [String: Any]
    }

    /// The shared emulator started by scripts/test-env, with a token from its `GET /token`.
    static func shared() async throws -> EmulatorClient {
        let emulator = try TestEnvironment.emulator()
        var client = EmulatorClient(
            url: emulator.url, http: try HTTPClient(configuration: .init(tls: .init(trust: .file(emulator.caFile)))))
        client.token = try await client.fetchToken()
        return client
    }

    func fetchToken() async throws -> String {
        let reply = try await send(.get, "/token", authenticated: false)
        return reply.json["access_token"] as? String ?? ""
    }

    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ path: String, body: [String: Any]? = nil, rawBody: Data? = nil,
        apiVersion: String? = "7.5", authenticated: Bool = true
    ) async throws -> Reply {
        var target = url + path
        if let apiVersion { target += (path.contains("?") ? "&" : "?") + "api-version=\(apiVersion)" }
        return try await send(method, absolute: target, body: body, rawBody: rawBody, authenticated: authenticated)
    }

    func send(
        _ method: HTTPRequest.Method, absolute: String, body: [String: Any]? = nil, rawBody: Data? = nil,
        authenticated: Bool = true
    )
        async throws -> Reply
    {
        var headers: HTTPHeaders = [:]
        if authenticated, let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        var data = rawBody
        if let body { data = try JSONSerialization.data(withJSONObject: body) }
        if data != nil { headers.add(name: "Content-Type", value: "application/json") }
        let response = try await http.execute(HTTPRequest(method: method, url: absolute, headers: headers, body: data))
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return Reply(status: response.status, headers: response.headers, json: json)
    }

    /// A secret name no other test uses.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }
}

extension EmulatorClient.Reply {
    var errorCode: String? { (json["error"] as? [String: Any])?["code"] as? String }
    var innerErrorCode: String? {
        ((json["error"] as? [String: Any])?["innererror"] as? [String: Any])?["code"] as? String
    }
    var attributes: [String: Any] { json["attributes"] as? [String: Any] ?? [:] }
    var id: String { json["id"] as? String ?? "" }
    var items: [[String: Any]] { json["value"] as? [[String: Any]] ?? [] }
    var nextLink: String? { json["nextLink"] as? String }
}

/// An emulator process of a test's own, for restarts, flags and faults.
extension PrivateEmulator {
    /// A client of this emulator with a token from its `GET /token`.
    func client() async throws -> EmulatorClient {
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(caFile))))
        var client = EmulatorClient(url: url, http: http)
        client.token = try await client.fetchToken()
        return client
    }
}
