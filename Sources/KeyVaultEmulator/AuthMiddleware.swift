import Foundation
import HTTPTypes
import Hummingbird

/// Requires a bearer token on vault requests and answers 401 with the challenge before the body
/// is read, as the real service does (the official SDK's first request carries no token or body).
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let issuer: TokenIssuer
    let accepted = AcceptedTokens()

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if RequestCounter.isOpenPath(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            return try unauthorized(.missingToken, request: request, context: context)
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let now = Int(Date().timeIntervalSince1970)
        if !accepted.contains(token, now: now) {
            switch issuer.verify(token, now: now) {
            case .success(let expiry): accepted.insert(token, expiresAt: expiry)
            case .failure(let rejection):
                return try unauthorized(.invalidToken(rejection.text), request: request, context: context)
            }
        }
        return try await next(request, context)
    }

    private func unauthorized(_ error: AzureError, request: Request, context: Context) throws -> Response {
        var response = try error.response(from: request, context: context)
        response.headers[.wwwAuthenticate] =
            #"Bearer authorization="https://login.microsoftonline.com/\#(issuer.tenant)", resource="\#(issuer.resource)""#
        return response
    }
}
