import Foundation
import HTTPTransport
import Synchronization

/// Obtains bearer tokens for the vault and caches them until shortly before they expire.
/// Concurrent callers share one token request.
actor TokenProvider {
    private let credential: Credential
    private let http: HTTPClient
    private let vaultURL: String
    /// The current token, readable without entering the actor (the hot path of every request).
    private let cached = Mutex<(token: String, refreshAt: ContinuousClock.Instant)?>(nil)
    /// The resource tokens are for: the vault domain's, then what its 401 challenge names.
    let resource: Mutex<String>
    private var waiters: [CheckedContinuation<String, any Error>]?

    init(credential: Credential, http: HTTPClient, vaultURL: String) {
        self.credential = credential
        self.http = http
        self.vaultURL = vaultURL
        resource = Mutex(VaultResource.forVault(vaultURL))
    }

    /// Asks for tokens for `newResource` from now on (the vault's challenge named it); the
    /// cached token, for another resource, is dropped.
    nonisolated func use(resource newResource: String) {
        let changed = resource.withLock { current in
            defer { current = newResource }
            return current != newResource
        }
        if changed { cached.withLock { $0 = nil } }
    }

    /// A valid token; `refresh` drops the cached one first (after a 401).
    nonisolated func token(refresh: Bool = false) async throws -> String {
        if case .staticToken(let token) = credential { return token }
        if !refresh, let current = cached.withLock({ $0 }), ContinuousClock.now < current.refreshAt {
            return current.token
        }
        return try await fetchToken(refresh: refresh)
    }

    private func fetchToken(refresh: Bool) async throws -> String {
        if refresh { cached.withLock { $0 = nil } }
        if let current = cached.withLock({ $0 }), ContinuousClock.now < current.refreshAt { return current.token }
        if waiters != nil {
            return try await withCheckedThrowingContinuation { waiters?.append($0) }
        }
        waiters = []
        let result: Result<(String, Int), any Error>
        do { result = .success(try await fetch()) } catch { result = .failure(error) }
        let pending = waiters ?? []
        waiters = nil
        switch result {
        case .success(let (token, lifetime)):
            // Refresh when a tenth of the lifetime is left (at least 30 s before expiry).
            let margin = max(30, lifetime / 10)
            cached.withLock { $0 = (token, ContinuousClock.now + .seconds(max(1, lifetime - margin))) }
            pending.forEach { $0.resume(returning: token) }
            return token
        case .failure(let error):
            pending.forEach { $0.resume(throwing: error) }
            throw error
        }
    }

    private func fetch() async throws -> (String, Int) {
        switch credential {
        case .staticToken(let token):
            return (token, 3600)
        case .emulator:
            return try await request(
                HTTPRequest(url: vaultURL + "/token", headers: ["Accept": "application/json"], timeout: .seconds(10)))
        case .clientSecret(let tenant, let clientID, let secret, let authority):
            return try await clientCredentials(authority, tenant, clientID, [("client_secret", secret)])
        case .clientCertificate(let tenant, let clientID, let file, let sendChain, let authority):
            let assertion = try ClientCertificate(path: file).assertion(
                clientID: clientID, audience: Self.tokenURL(authority: authority, tenant: tenant), sendChain: sendChain)
            return try await clientCredentials(authority, tenant, clientID, Self.assertion(assertion))
        case .workloadIdentity(let tenant, let clientID, let tokenFile, let authority):
            guard let assertion = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw KeyVaultError(
                    .authenticationFailed, "cannot read the federated token file", context: ["file": tokenFile])
            }
            return try await clientCredentials(
                authority, tenant, clientID, Self.assertion(assertion.trimmingCharacters(in: .whitespacesAndNewlines)))
        case .managedIdentity(let clientID, let endpoint):
            return try await managedIdentityToken(clientID: clientID, endpoint: endpoint)
        }
    }

    /// Entra ID's client credentials grant for the vault's resource, proven by `proof`.
    private func clientCredentials(
        _ authority: String, _ tenant: String, _ clientID: String, _ proof: [(String, String)]
    ) async throws -> (String, Int) {
        try await request(
            Self.form(
                authority: authority, tenant: tenant,
                fields: [("grant_type", "client_credentials"), ("client_id", clientID)] + proof + [
                    ("scope", resource.withLock { $0 } + "/.default")
                ]))
    }

    /// A signed JWT as the proof (a certificate's assertion, a federated token).
    private static func assertion(_ token: String) -> [(String, String)] {
        [
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", token),
        ]
    }

    /// Entra ID's token endpoint, also the audience of a client assertion.
    private static func tokenURL(authority: String, tenant: String) -> String {
        "\(ClientConfig.withoutTrailingSlash(authority))/\(tenant)/oauth2/v2.0/token"
    }

    private static func form(authority: String, tenant: String, fields: [(String, String)]) -> HTTPRequest {
        let body = formEncoded(fields)
        return HTTPRequest(
            method: .post, url: tokenURL(authority: authority, tenant: tenant),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
            body: Data(body.utf8),
            timeout: .seconds(10))
    }

    /// Sends a token request; accepts the Entra ID JSON shape or a bare JWT (the james-gould emulator).
    private func request(_ request: HTTPRequest) async throws -> (String, Int) {
        let response = try await send(request)
        guard response.status == 200 else {
            throw KeyVaultError(
                .authenticationFailed, "the token endpoint answered \(response.status)",
                context: ["status": "\(response.status)"])
        }
        return try Self.token(in: response)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await http.execute(request)
        } catch let error as HTTPError {
            throw KeyVaultClient.transportError(error, operation: .token)
        }
    }

    /// The token and its lifetime in seconds: from JSON (`expires_in`, else `expires_on`, else an
    /// hour), or a bare JWT (its `exp`).
    static func token(in response: HTTPResponse) throws -> (String, Int) {
        if let json = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any] {
            guard let token = json["access_token"] as? String ?? json["token"] as? String else {
                throw KeyVaultError(.authenticationFailed, "the token endpoint's answer has no access_token")
            }
            func seconds(_ key: String) -> Int? { json[key] as? Int ?? Int(json[key] as? String ?? "") }
            let lifetime =
                seconds("expires_in") ?? seconds("expires_on").map { $0 - Int(Date().timeIntervalSince1970) } ?? 3600
            return (token, lifetime)
        }
        let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(
            in: CharacterSet(charactersIn: "\" \n\r"))
        guard text.split(separator: ".").count == 3 else {
            throw KeyVaultError(.authenticationFailed, "the token endpoint's answer is neither JSON nor a JWT")
        }
        return (text, Self.lifetime(ofJWT: text) ?? 3600)
    }

    static func lifetime(ofJWT token: String) -> Int? {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return nil }
        guard let data = Base64URL.decode(parts[1]),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let exp = (claims["exp"] as? NSNumber)?.intValue
        else { return nil }
        return exp - Int(Date().timeIntervalSince1970)
    }
}
