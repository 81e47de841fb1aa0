import Foundation
import HTTPTransport

/// An emulator's own count of the vault requests it answered (`/_emulator/requests`), 429s and
/// retries included: how tests and benchmarks see a client's traffic from the vault's side.
public struct EmulatorRequests: Sendable {
    public let url: String
    let http: HTTPClient

    public init(url: String, caFile: String) throws {
        self.url = url
        http = try HTTPClient(configuration: .init(tls: .init(trust: .file(caFile))))
    }

    /// Requests of one method, or for one secret when `secret` is given.
    public func count(_ method: String, secret: String? = nil) async throws -> Int {
        let path = secret.map { "&path=/secrets/\($0)" } ?? ""
        let response = try await http.execute(HTTPRequest(url: "\(url)/_emulator/requests?method=\(method)\(path)"))
        guard response.status == 200 else {
            throw HTTPError(code: .transport, message: "status \(response.status)", url: url)
        }
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["count"] as? Int ?? 0
    }

    /// Every request it answered (GET, PUT, POST, PATCH, DELETE).
    public func total() async throws -> Int {
        var total = 0
        for method in ["GET", "PUT", "POST", "PATCH", "DELETE"] { total += try await count(method) }
        return total
    }
}
