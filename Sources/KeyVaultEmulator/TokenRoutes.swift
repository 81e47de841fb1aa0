import Foundation
import HTTPTypes
import Hummingbird

/// The token endpoints: `GET /token` (any caller, unless a client secret is configured) and the
/// Entra ID client-credentials endpoint `POST /{tenant}/oauth2/v2.0/token`.
struct TokenRoutes<Context: RequestContext> {
    let issuer: TokenIssuer

    func register(on router: Router<Context>) {
        router.get("token") { _, _ in
            guard issuer.clientSecret == nil else {
                return try oauthError(
                    "invalid_client",
                    "AADSTS7000216: This emulator issues tokens only for its client secret, on POST /{tenant}/oauth2/v2.0/token.",
                    status: .unauthorized)
            }
            return try tokenResponse(subject: "keyvault-emulator-user")
        }
        router.post(":tenant/oauth2/v2.0/token") { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024)
            let form = Self.parseForm(String(buffer: body))
            guard form["grant_type"] == "client_credentials" else {
                return try oauthError(
                    "unsupported_grant_type", "AADSTS70003: The grant type must be client_credentials.")
            }
            guard let clientID = form["client_id"], !clientID.isEmpty else {
                return try oauthError(
                    "invalid_request", "AADSTS900144: The request body must contain the parameter 'client_id'.")
            }
            guard form["client_secret"] != nil || form["client_assertion"] != nil else {
                return try oauthError(
                    "invalid_client", "AADSTS7000216: 'client_assertion' or 'client_secret' is required.")
            }
            // Entra ID answers a wrong secret 401 invalid_client. An assertion cannot be checked here.
            guard issuer.admits(clientSecret: form["client_secret"]) else {
                return try oauthError(
                    "invalid_client", "AADSTS7000215: Invalid client secret provided.", status: .unauthorized)
            }
            guard let scope = form["scope"], !scope.isEmpty else {
                return try oauthError(
                    "invalid_request", "AADSTS900144: The request body must contain the parameter 'scope'.")
            }
            // The token is for the scope's resource, as Entra ID issues it.
            let audience = scope.hasSuffix("/.default") ? String(scope.dropLast("/.default".count)) : scope
            return try tokenResponse(subject: clientID, audience: audience)
        }
    }

    private struct TokenBody: Encodable {
        var token_type = "Bearer"
        var expires_in: Int
        var ext_expires_in: Int
        var access_token: String
    }

    private struct OAuthError: Encodable {
        var error: String
        var error_description: String
    }

    private func tokenResponse(subject: String, audience: String? = nil) throws -> Response {
        let (token, lifetime) = issuer.issue(
            subject: subject, audience: audience, now: Int(Date().timeIntervalSince1970))
        return try JSONResponse.make(TokenBody(expires_in: lifetime, ext_expires_in: lifetime, access_token: token))
    }

    private func oauthError(
        _ code: String, _ description: String, status: HTTPResponse.Status = .badRequest
    ) throws -> Response {
        try JSONResponse.make(OAuthError(error: code, error_description: description), status: status)
    }

    /// `application/x-www-form-urlencoded` fields.
    static func parseForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            fields[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return fields
    }
}
