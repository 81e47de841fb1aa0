import Foundation
import HTTPTransport
import Synchronization

extension TokenProvider {
    /// Waits between attempts at the identity endpoint: Azure asks clients to retry 404 (an
    /// identity not yet assigned), 410 (IMDS updating, for up to 70 s), 429 and 5xx with
    /// exponential backoff: 0.5, 1, 2 … 32 s (63.5 s in all), or the `Retry-After` sent.
    static let managedIdentityRetry = RetryPolicy(
        initialBackoff: .milliseconds(500), maximumBackoff: .seconds(32), maximumAttempts: 8)

    /// A token from the managed identity endpoint, retried as Azure documents.
    func managedIdentityToken(clientID: String?, endpoint: ManagedIdentityEndpoint) async throws -> (String, Int) {
        let request = Self.managedIdentityRequest(
            clientID: clientID, endpoint: endpoint, resource: resource.withLock { $0 })
        var attempt = 0
        while true {
            attempt += 1
            let response = try await send(request)
            if response.status == 200 { return try Self.token(in: response) }
            let retryable = [404, 410, 429].contains(response.status) || (500...599).contains(response.status)
            // No jitter (`random` 0.5 is the exponential delay itself), and no deadline but the attempts.
            guard retryable,
                let wait = Self.managedIdentityRetry.delay(
                    afterAttempt: attempt, retryAfter: response.headers["Retry-After"].flatMap(Double.init),
                    remaining: .seconds(3600), random: 0.5)
            else {
                throw KeyVaultError(
                    .authenticationFailed, "the managed identity endpoint answered \(response.status)",
                    context: ["status": "\(response.status)", "endpoint": endpoint.address])
            }
            try await Task.sleep(for: wait)
        }
    }

    /// Managed identity endpoints take a resource, not a scope.
    static func managedIdentityRequest(
        clientID: String?, endpoint: ManagedIdentityEndpoint, resource: String
    ) -> HTTPRequest {
        var query = [("resource", resource)]
        if let clientID { query.append(("client_id", clientID)) }
        switch endpoint {
        case .imds(let host):
            return HTTPRequest(
                url: ClientConfig.withoutTrailingSlash(host) + "/metadata/identity/oauth2/token?"
                    + formEncoded([("api-version", "2018-02-01")] + query),
                headers: ["Metadata": "true", "Accept": "application/json"], timeout: .seconds(10))
        case .appService(let url, let header):
            return HTTPRequest(
                url: url + (url.contains("?") ? "&" : "?") + formEncoded([("api-version", "2019-08-01")] + query),
                headers: ["X-IDENTITY-HEADER": header, "Accept": "application/json"], timeout: .seconds(10))
        }
    }

    /// `application/x-www-form-urlencoded` (also a query string).
    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }
            .joined(separator: "&")
    }
}
