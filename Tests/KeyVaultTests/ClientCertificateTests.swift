import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// The certificate credential (`AZURE_CLIENT_CERTIFICATE_PATH`): its client assertion checked by
/// the openssl command, and tokens from an authority.
struct ClientCertificateTests {
    let directory = NSTemporaryDirectory() + "client-certificate-\(UUID().uuidString.prefix(8))"

    /// Runs `openssl` with `arguments`; its exit status and standard output.
    @discardableResult
    func openssl(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ChildProcess("openssl", arguments: arguments, output: .capture)
        let result = await process.waitForOutput()
        return (result.termination.status, String(decoding: result.output, as: UTF8.self))
    }

    /// A PEM file with a self-signed certificate and its `algorithm` key, as Azure expects it.
    func certificateFile(algorithm: String = "rsa:2048") async throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let (key, certificate) = (directory + "/key.pem", directory + "/certificate.pem")
        var arguments = ["req", "-x509", "-newkey", algorithm, "-nodes", "-days", "1", "-subj", "/CN=kvo-app"]
        if algorithm == "ec" { arguments += ["-pkeyopt", "ec_paramgen_curve:prime256v1"] }
        try #require(try await openssl(arguments + ["-keyout", key, "-out", certificate]).status == 0)
        let both = directory + "/app.pem"
        let text =
            try String(contentsOfFile: certificate, encoding: .utf8) + String(contentsOfFile: key, encoding: .utf8)
        try text.write(toFile: both, atomically: true, encoding: .utf8)
        return both
    }

    static func json(_ part: Substring) throws -> [String: Any] {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        let data = try #require(Data(base64Encoded: base64))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theAssertionIsAnRS256JWTThatOpenSSLVerifies() async throws {
        let file = try await certificateFile()
        let audience = "https://login.example/tenant/oauth2/v2.0/token"
        let assertion = try ClientCertificate(path: file).assertion(
            clientID: "app-1", audience: audience, sendChain: true)
        let parts = assertion.split(separator: ".")
        try #require(parts.count == 3)
        let header = try Self.json(parts[0])
        let claims = try Self.json(parts[1])
        #expect(header["alg"] as? String == "RS256")
        // x5t: the certificate's SHA-1 thumbprint, as openssl computes it.
        let fingerprint = try await openssl(["x509", "-in", file, "-noout", "-fingerprint", "-sha1"]).output
        let hex = fingerprint.split(separator: "=").last.map { $0.filter(\.isHexDigit) } ?? ""
        let thumbprint = Data(
            stride(from: 0, to: hex.count, by: 2).map {
                UInt8(hex.dropFirst($0).prefix(2), radix: 16) ?? 0
            })
        #expect(header["x5t"] as? String == Base64URL.encode(thumbprint))
        #expect((header["x5c"] as? [String])?.count == 1)
        #expect(claims["aud"] as? String == audience)
        #expect(claims["iss"] as? String == "app-1" && claims["sub"] as? String == "app-1")
        #expect((claims["exp"] as? Int ?? 0) - (claims["nbf"] as? Int ?? 0) == 600)

        // The signature verifies with the certificate's public key, and not over other bytes.
        let publicKey = directory + "/public.pem"
        try (try await openssl(["x509", "-in", file, "-pubkey", "-noout"]).output).write(
            toFile: publicKey, atomically: true, encoding: .utf8)
        var signature = String(parts[2]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(
            of: "_", with: "/")
        signature += String(repeating: "=", count: (4 - signature.count % 4) % 4)
        try #require(Data(base64Encoded: signature)).write(to: URL(fileURLWithPath: directory + "/signature"))
        try Data("\(parts[0]).\(parts[1])".utf8).write(to: URL(fileURLWithPath: directory + "/signed"))
        try Data("\(parts[0]).\(parts[1])x".utf8).write(to: URL(fileURLWithPath: directory + "/tampered"))
        let verify = ["dgst", "-sha256", "-verify", publicKey, "-signature", directory + "/signature"]
        #expect(try await openssl(verify + [directory + "/signed"]).status == 0)
        #expect(try await openssl(verify + [directory + "/tampered"]).status != 0)
    }

    @Test func unusableCertificatesStopStartUpNamingTheVariable() async throws {
        let environment = ["AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c"]
        let ecFile = try await certificateFile(algorithm: "ec")
        let certificateOnly = directory + "/certificate.pem"
        for (path, reason) in [
            (directory + "/absent.pem", "cannot read"), (certificateOnly, "no unencrypted PEM private key"),
            (ecFile, "must be RSA"),
        ] {
            let error = #expect(throws: KeyVaultError.self) {
                try ClientConfig.fromEnvironment(environment.merging(["AZURE_CLIENT_CERTIFICATE_PATH": path]) { $1 })
            }
            #expect(error?.context["variable"] == "AZURE_CLIENT_CERTIFICATE_PATH")
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
        }
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.emulator)))
    func aCertificateCredentialGetsTokensFromTheAuthority() async throws {
        let emulator = try TestEnvironment.emulator()
        let config = try ClientConfig.fromEnvironment([
            "KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile, "AZURE_AUTHORITY_HOST": emulator.url,
            "SSL_CERT_FILE": emulator.caFile,
            "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
            "AZURE_CLIENT_CERTIFICATE_PATH": try await certificateFile(),
            "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
        ])
        #expect(config.credential.kind == "client-certificate")
        let client = try KeyVaultClient(config: config)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("certificate")
        try await client.setSecret(name, value: "signed-in-with-a-certificate")
        #expect(try await client.getSecret(name).value == "signed-in-with-a-certificate")
    }
}
