import Foundation
import HTTPTransport
import TestEnvironment

/// Requests against the test kube-apiserver.
struct KubeAPIServer {
    let environment: TestEnvironment.Kubernetes
    let client: HTTPClient

    init(configuration: HTTPClient.Configuration? = nil) throws {
        environment = try TestEnvironment.kubernetes()
        client = try HTTPClient(configuration: configuration ?? .init(tls: .init(trust: .file(environment.caFile))))
    }

    func request(
        _ method: HTTPRequest.Method = .get, _ path: String, body: [String: Any]? = nil, token: String? = nil
    ) throws -> HTTPRequest {
        var headers: HTTPHeaders = ["Accept": "application/json"]
        headers.add(name: "Authorization", value: "Bearer \(token ?? environment.adminToken)")
        var data: Data?
        if let body {
            data = try JSONSerialization.data(withJSONObject: body)
            headers.add(name: "Content-Type", value: "application/json")
        }
        return HTTPRequest(method: method, url: environment.url + path, headers: headers, body: data)
    }

    func json(_ response: HTTPResponse) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: response.body) as? [String: Any] ?? [:]
    }

    /// Creates a namespace and returns its name.
    func createNamespace(prefix: String) async throws -> String {
        let name = "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        let response = try await client.execute(
            request(.post, "/api/v1/namespaces", body: ["metadata": ["name": name]]))
        guard response.status == 201 else { throw CocoaError(.fileWriteUnknown) }
        return name
    }
}
