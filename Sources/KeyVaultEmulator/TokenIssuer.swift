import Crypto
import Foundation
import Synchronization

/// Issues and checks the emulator's bearer tokens: JWTs signed with HS256 and a key of the
/// emulator's own (kept in the data directory, so tokens survive restarts).
///
/// Like the james-gould emulator it accepts any well-formed, unexpired JWT by default; with
/// `requireSignature` it accepts only the tokens it issued.
struct TokenIssuer: Sendable {
    /// The HMAC key's bytes (`SymmetricKey` is not `Sendable`).
    let keyBytes: Data
    let tenant: String
    let requireSignature: Bool
    /// The audience the vault accepts, as its 401 challenge names it (`resource`).
    let resource: String
    /// The only client secret tokens are issued for, when set (see `EmulatorConfiguration`).
    var clientSecret: String? = nil
    let lifetime: Int = 3600

    /// A token for `subject` and `audience` (the vault's resource unless asked otherwise), valid
    /// for `lifetime` seconds from `now`.
    func issue(subject: String, audience: String? = nil, now: Int) -> (token: String, expiresIn: Int) {
        let header = Base64URL.encode(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims: [String: any Sendable] = [
            "aud": audience ?? resource, "iss": "https://sts.windows.net/\(tenant)/", "tid": tenant,
            "sub": subject, "appid": subject, "iat": now, "nbf": now, "exp": now + lifetime,
        ]
        let payload = Base64URL.encode(
            (try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])) ?? Data())
        let signature = Base64URL.encode(
            Data(
                HMAC<SHA256>.authenticationCode(
                    for: Data("\(header).\(payload)".utf8), using: SymmetricKey(data: keyBytes))))
        return ("\(header).\(payload).\(signature)", lifetime)
    }

    struct Rejection: Error { let text: String }

    /// Whether a caller presenting `secret` may have a token: always without a configured
    /// secret, else only for that secret (compared in constant time).
    func admits(clientSecret secret: String?) -> Bool {
        guard let clientSecret else { return true }
        guard let secret else { return false }
        let expected = SHA256.hash(data: Data(clientSecret.utf8)), given = SHA256.hash(data: Data(secret.utf8))
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Checks a bearer token: its expiry (`Int.max` without one) when accepted, or why it is refused.
    func verify(_ token: String, now: Int) -> Result<Int, Rejection> {
        if let reason = reason(toReject: token, now: now) { return .failure(Rejection(text: reason)) }
        return .success(Self.expiry(of: token) ?? Int.max)
    }

    private static func expiry(of token: String) -> Int? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let data = Base64URL.decode(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (claims["exp"] as? NSNumber)?.intValue
    }

    private func reason(toReject token: String, now: Int) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payloadData = Base64URL.decode(String(parts[1])),
            let claims = try? JSONSerialization.jsonObject(with: payloadData) as? [String: Any]
        else { return "the token is not a well-formed JWT" }
        if let exp = (claims["exp"] as? NSNumber)?.intValue, exp < now { return "the token has expired" }
        // As Key Vault does: a token for another audience (another cloud's vault) is refused.
        if let audience = claims["aud"] as? String,
            audience.lowercased().trimmingSuffix("/") != resource.lowercased().trimmingSuffix("/")
        {
            return "the token's audience \(audience) is not \(resource)"
        }
        guard requireSignature else { return nil }
        guard let signature = Base64URL.decode(String(parts[2])),
            HMAC<SHA256>.isValidAuthenticationCode(
                signature, authenticating: Data("\(parts[0]).\(parts[1])".utf8), using: SymmetricKey(data: keyBytes))
        else { return "the token's signature is not valid" }
        return nil
    }

    /// The signing key stored in `directory` (created on first use), or a fresh one in memory.
    static func loadKey(directory: String?) throws -> Data {
        let data = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        guard let directory else { return data }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/token-signing.key"
        if let existing = FileManager.default.contents(atPath: path), existing.count == 32 { return existing }
        guard FileManager.default.createFile(atPath: path, contents: data, attributes: [.posixPermissions: 0o600])
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return data
    }
}

/// Tokens already checked, with their expiry, so a client's every request does not parse its JWT again.
final class AcceptedTokens: Sendable {
    private let tokens = Mutex<[String: Int]>([:])
    private let capacity = 4096

    /// Whether `token` was accepted before and has not expired at `now`.
    func contains(_ token: String, now: Int) -> Bool {
        tokens.withLock { ($0[token] ?? 0) > now }
    }

    func insert(_ token: String, expiresAt: Int) {
        tokens.withLock { tokens in
            if tokens.count >= capacity { tokens.removeAll(keepingCapacity: true) }
            tokens[token] = expiresAt
        }
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
