import Foundation
public import HTTPTransport

extension Bench {
    /// A bearer token from the Key Vault emulator's `GET /token`, for the benchmarks' raw vault requests.
    public static func emulatorToken(_ http: HTTPClient, vaultURL: String) async throws -> String {
        let response = try await http.execute(HTTPRequest(url: vaultURL + "/token"))
        guard response.status == 200,
            let token = (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["access_token"]
                as? String
        else {
            throw HTTPError(
                code: .transport, message: "the emulator gave no token (status \(response.status))",
                url: vaultURL + "/token")
        }
        return token
    }
}
