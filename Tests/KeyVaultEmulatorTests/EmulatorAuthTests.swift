import Foundation
import HTTPTransport
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct EmulatorAuthTests {
    @Test func missingTokenGetsTheChallengeBeforeTheBodyIsRead() async throws {
        let client = try await EmulatorClient.shared()
        // The official SDK's first request: no token and no body, on an operation that needs one.
        let reply = try await client.send(.put, "/secrets/\(EmulatorClient.uniqueName("auth"))", authenticated: false)
        #expect(reply.status == 401)
        #expect(reply.errorCode == "Unauthorized")
        let challenge = try #require(reply.headers["WWW-Authenticate"])
        #expect(challenge.hasPrefix("Bearer authorization=\"https://login.microsoftonline.com/"))
        #expect(challenge.contains("resource=\"https://vault.azure.net\""))
        let malformed = try await client.send(.put, "/secrets/bad_name", rawBody: Data("{".utf8), authenticated: false)
        #expect(malformed.status == 401)
    }

    @Test func clientCredentialsEndpointIssuesTokens() async throws {
        let client = try await EmulatorClient.shared()
        let form =
            "grant_type=client_credentials&client_id=app&client_secret=s&scope=https%3A%2F%2Fvault.azure.net%2F.default"
        var headers: HTTPHeaders = ["Content-Type": "application/x-www-form-urlencoded"]
        headers.add(name: "Accept", value: "application/json")
        let response = try await client.http.execute(
            HTTPRequest(
                method: .post, url: client.url + "/tenant-1/oauth2/v2.0/token", headers: headers, body: Data(form.utf8))
        )
        #expect(response.status == 200)
        let json = try JSONSerialization.jsonObject(with: response.body) as? [String: Any]
        #expect(json?["token_type"] as? String == "Bearer")
        #expect(json?["expires_in"] as? Int == 3600)
        var withToken = client
        withToken.token = json?["access_token"] as? String
        #expect(try await withToken.send(.get, "/secrets").status == 200)

        let bad = try await client.http.execute(
            HTTPRequest(
                method: .post, url: client.url + "/tenant-1/oauth2/v2.0/token", headers: headers,
                body: Data("grant_type=password".utf8)))
        #expect(bad.status == 400)
    }

    @Test func anyWellFormedTokenIsAcceptedByDefaultButGarbageIsNot() async throws {
        var client = try await EmulatorClient.shared()
        client.token = Self.foreignJWT
        #expect(try await client.send(.get, "/secrets").status == 200)
        client.token = "not-a-jwt"
        #expect(try await client.send(.get, "/secrets").status == 401)
    }

    @Test func requireTokenSignatureRejectsForeignTokens() async throws {
        let emulator = try PrivateEmulator(arguments: ["--require-token-signature"])
        try await emulator.start()
        var client = try await emulator.client()
        #expect(try await client.send(.get, "/secrets").status == 200)
        client.token = Self.foreignJWT
        let reply = try await client.send(.get, "/secrets")
        #expect(reply.status == 401)
        #expect(reply.headers["WWW-Authenticate"] != nil)
    }

    @Test func clientSecretModeIssuesTokensOnlyForTheSecret() async throws {
        let secretFile = TestEnvironment.scratchDirectory + "/client-secret-\(UUID().uuidString)"
        try Data("s3cret-of-the-chart\n".utf8).write(to: URL(fileURLWithPath: secretFile))
        let emulator = try PrivateEmulator(arguments: ["--client-secret-file", secretFile])
        try await emulator.start()
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(emulator.caFile))))
        var client = EmulatorClient(url: emulator.url, http: http)

        let open = try await client.send(.get, "/token", authenticated: false)
        #expect(open.status == 401)
        #expect(open.json["error"] as? String == "invalid_client")
        #expect(try await client.send(.get, "/healthz", apiVersion: nil, authenticated: false).status == 200)

        func requestToken(_ credential: String) async throws -> HTTPResponse {
            let form =
                "grant_type=client_credentials&client_id=keyvault-operator&\(credential)"
                + "&scope=https%3A%2F%2Fvault.azure.net%2F.default"
            return try await http.execute(
                HTTPRequest(
                    method: .post, url: emulator.url + "/tenant-1/oauth2/v2.0/token",
                    headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8)))
        }
        #expect(try await requestToken("client_secret=wrong").status == 401)
        #expect(try await requestToken("client_assertion=eyJ.e30.x").status == 401)
        let issued = try await requestToken("client_secret=s3cret-of-the-chart")
        #expect(issued.status == 200)
        let json = try JSONSerialization.jsonObject(with: issued.body) as? [String: Any]
        client.token = json?["access_token"] as? String
        #expect(try await client.send(.get, "/secrets").status == 200)
        // Only its own tokens: a forged one is refused, as with --require-token-signature.
        client.token = Self.foreignJWT
        #expect(try await client.send(.get, "/secrets").status == 401)
    }

    /// A JWT signed by someone else, valid until 2100.
    static let foreignJWT =
        [#"{"alg":"HS256","typ":"JWT"}"#, #"{"sub":"x","exp":4102444800}"#]
        .map { Data($0.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "") }.joined(separator: ".")
        + ".c2lnbmF0dXJl"
}
