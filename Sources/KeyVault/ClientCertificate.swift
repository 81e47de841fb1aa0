import COpenSSL
import Crypto
import Foundation

/// The certificate credential of an Entra ID application: a PEM file holding the certificate (its
/// chain may follow) and its RSA private key, as `AZURE_CLIENT_CERTIFICATE_PATH` names it. Token
/// requests carry a client assertion signed with the key, built as the Azure SDKs build it.
final class ClientCertificate: @unchecked Sendable {
    // `@unchecked`: `key` is only read (EVP_DigestSign on a fresh context per call is thread-safe).
    private let key: OpaquePointer
    /// DER certificates, the application's first.
    let chain: [Data]

    /// - Throws: `KeyVaultError` (`invalidInput`) naming `AZURE_CLIENT_CERTIFICATE_PATH`.
    init(path: String) throws(KeyVaultError) {
        func problem(_ message: String) -> KeyVaultError {
            KeyVaultError(
                .invalidInput, "AZURE_CLIENT_CERTIFICATE_PATH: \(message)",
                context: ["variable": "AZURE_CLIENT_CERTIFICATE_PATH", "file": path])
        }
        guard let pem = FileManager.default.contents(atPath: path) else { throw problem("cannot read \(path)") }
        chain = Self.certificates(in: String(decoding: pem, as: UTF8.self))
        guard !chain.isEmpty else { throw problem("\(path) holds no PEM certificate") }
        kvo_openssl_keep_state_at_exit()
        let key: OpaquePointer? = pem.withUnsafeBytes { bytes in
            let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count))
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        ERR_clear_error()
        guard let key else { throw problem("\(path) holds no unencrypted PEM private key") }
        guard EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA else {
            EVP_PKEY_free(key)
            throw problem("the private key must be RSA (Entra ID's client assertions are RS256)")
        }
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// A client assertion for `clientID` at the token endpoint `audience`, valid ten minutes from
    /// `now`: a JWT (RS256) whose `x5t` is the certificate's SHA-1 thumbprint, with the chain in
    /// `x5c` when `sendChain` (subject name and issuer authentication).
    func assertion(clientID: String, audience: String, sendChain: Bool, now: Date = Date()) throws -> String {
        var header: [String: Any] = [
            "alg": "RS256", "typ": "JWT", "x5t": Base64URL.encode(Data(Insecure.SHA1.hash(data: chain[0]))),
        ]
        if sendChain { header["x5c"] = chain.map { $0.base64EncodedString() } }
        let issued = Int(now.timeIntervalSince1970)
        let claims: [String: Any] = [
            "aud": audience, "iss": clientID, "sub": clientID, "jti": UUID().uuidString, "nbf": issued, "iat": issued,
            "exp": issued + 600,
        ]
        let signingInput =
            Base64URL.encode(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])) + "."
            + Base64URL.encode(try JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys]))
        return signingInput + "." + Base64URL.encode(try sign(Data(signingInput.utf8)))
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256.
    private func sign(_ data: Data) throws -> Data {
        guard let context = EVP_MD_CTX_new() else { throw KeyVaultError(.authenticationFailed, "cannot sign") }
        defer { EVP_MD_CTX_free(context) }
        var length = 0
        let signature = data.withUnsafeBytes { bytes -> Data? in
            let input = bytes.bindMemory(to: UInt8.self).baseAddress
            guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1,
                EVP_DigestSign(context, nil, &length, input, bytes.count) == 1
            else { return nil }
            var output = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &output, &length, input, bytes.count) == 1 else { return nil }
            return Data(output.prefix(length))
        }
        ERR_clear_error()
        guard let signature else { throw KeyVaultError(.authenticationFailed, "cannot sign the client assertion") }
        return signature
    }

    /// The DER of every `CERTIFICATE` block, in order.
    private static func certificates(in pem: String) -> [Data] {
        pem.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().compactMap { block in
            guard let end = block.range(of: "-----END CERTIFICATE-----") else { return nil }
            return Data(base64Encoded: block[..<end.lowerBound].filter { !$0.isWhitespace })
        }
    }
}
