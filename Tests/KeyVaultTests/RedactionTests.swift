import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// Values, passwords, keys and client secrets never show when a value is printed, logged with
/// interpolation, debug-printed or dumped (Mirror), nested or not.
struct RedactionTests {
    static let marker = "leak-marker-7f3a"

    @Test func aSecretShowsItsNameNotItsValue() {
        let secret = Secret(properties: .init(name: "user-u1-weather", version: "v1"), value: Self.marker)
        for text in everyRendering(of: secret) + everyRendering(of: [secret])
            + everyRendering(of: Optional(secret) as Any)
        {
            #expect(!text.contains(Self.marker), "\(text)")
        }
        #expect(everyRendering(of: secret).allSatisfy { $0.contains("user-u1-weather") })
    }

    @Test(arguments: [
        Credential.staticToken(marker),
        .clientSecret(tenantID: "t", clientID: "c", secret: marker, authorityHost: "https://login.microsoftonline.com"),
    ])
    func aCredentialShowsItsKindNotItsSecret(credential: Credential) {
        for text in everyRendering(of: credential) {
            #expect(!text.contains(Self.marker), "\(text)")
            #expect(text.contains(credential.kind))
        }
    }

    @Test func aWholeConfigurationShowsNoPasswordKeyOrClientSecret() throws {
        let key = Data((Self.marker + Self.marker).utf8.prefix(32))
        var config = CachedClientConfig(
            keyVault: ClientConfig(
                credential: .clientSecret(tenantID: "t", clientID: "c", secret: Self.marker, authorityHost: "https://a")
            ),
            redis: .init(host: "redis", password: Self.marker), encryptionKey: key, previousEncryptionKeys: [key])
        config.redis.username = "app"
        let url = try RedisURL(parsing: "redis://app:\(Self.marker)@redis:6380/2", variable: "REDIS_URL")
        for text in everyRendering(of: config) + everyRendering(of: url) {
            #expect(!text.contains(Self.marker), "\(text)")
            // Data would dump its bytes: the keys show as redacted instead.
            #expect(!text.contains("bytes: 32 elements"))
        }
        #expect(everyRendering(of: config).allSatisfy { $0.contains("redis") && $0.contains(redactedMarker) })
    }
}
