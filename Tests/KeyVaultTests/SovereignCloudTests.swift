import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// Which resource tokens are asked for: the vault domain's, then what the vault's 401 challenge
/// names once checked, as the Azure SDKs do (sovereign clouds: `vault.azure.cn`,
/// `vault.usgovcloudapi.net`).
struct SovereignCloudTests {
    @Test func aVaultsDomainGivesItsCloudsResource() {
        #expect(VaultResource.forVault("https://v.vault.azure.net") == "https://vault.azure.net")
        #expect(VaultResource.forVault("https://v.vault.azure.cn/") == "https://vault.azure.cn")
        #expect(VaultResource.forVault("https://V.VAULT.USGOVCLOUDAPI.NET") == "https://vault.usgovcloudapi.net")
        #expect(VaultResource.forVault("https://127.0.0.1:4997") == "https://vault.azure.net")
        #expect(VaultResource.forVault("https://evil.example/vault.azure.cn") == "https://vault.azure.net")
    }

    @Test func aChallengesResourceMustMatchTheVaultsDomain() throws {
        func challenge(_ resource: String) -> String {
            #"Bearer authorization="https://login.chinacloudapi.cn/t", resource="\#(resource)""#
        }
        #expect(
            try VaultResource.fromChallenge(challenge("https://vault.azure.cn"), vaultURL: "https://v.vault.azure.cn")
                == "https://vault.azure.cn")
        #expect(
            try VaultResource.fromChallenge(
                #"Bearer authorization="https://login.microsoftonline.com/t", scope="https://vault.azure.net/.default""#,
                vaultURL: "https://v.vault.azure.net") == "https://vault.azure.net")
        #expect(try VaultResource.fromChallenge("Bearer", vaultURL: "https://v.vault.azure.net") == nil)
        for (resource, vault) in [
            ("https://vault.azure.net", "https://v.vault.azure.cn"),  // another cloud's audience
            ("https://management.azure.com", "https://127.0.0.1:4997"),  // not Key Vault
            ("http://vault.azure.net", "https://127.0.0.1:4997"),  // not https
            ("https://vault.azure.net.evil.example", "https://v.vault.azure.net"),
        ] {
            let error = #expect(throws: KeyVaultError.self, "\(resource) for \(vault)") {
                try VaultResource.fromChallenge(challenge(resource), vaultURL: vault)
            }
            #expect(error?.code == .authenticationFailed)
        }
    }

    @Test func theAuthorityHostMustBeHTTPS() {
        let error = #expect(throws: KeyVaultError.self) {
            try ClientConfig.fromEnvironment([
                "AZURE_AUTHORITY_HOST": "http://login.example", "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
                "AZURE_CLIENT_SECRET": "s",
            ])
        }
        #expect(error?.context["variable"] == "AZURE_AUTHORITY_HOST")
    }

    /// A client-secret client of `emulator`, whose token endpoint is the authority.
    static func client(of emulator: PrivateEmulator) throws -> KeyVaultClient {
        try KeyVaultClient(
            config: ClientConfig(
                vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile)),
                systemRootsFile: emulator.caFile,
                credential: .clientSecret(tenantID: "t", clientID: "c", secret: "s", authorityHost: emulator.url)))
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.emulator)))
    func aVaultOfAnotherCloudIsAskedForItsOwnAudience() async throws {
        // The vault refuses a token for vault.azure.net and challenges with vault.azure.cn.
        let emulator = try PrivateEmulator(
            name: "china", arguments: ["--challenge-resource", "https://vault.azure.cn"])
        try await emulator.start()
        let client = try Self.client(of: emulator)
        defer { client.close() }
        try await client.setSecret("sovereign", value: "from-the-china-cloud")
        #expect(try await client.getSecret("sovereign").value == "from-the-china-cloud")
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.emulator)))
    func aChallengeForAnotherAudienceIsRefusedNotFollowed() async throws {
        let emulator = try PrivateEmulator(
            name: "hostile", arguments: ["--challenge-resource", "https://management.azure.com"])
        try await emulator.start()
        let client = try Self.client(of: emulator)
        defer { client.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("anything") }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.message.contains("https://management.azure.com") == true)
    }

    /// The vault's development settings (`KEYVAULT_CA_FILE`, `KEYVAULT_TLS_SKIP_VERIFY`) never reach the
    /// identity endpoint: the client secret goes only to a peer the system roots vouch for.
    @Test(.enabled(if: TestEnvironment.shouldRun(.emulator)))
    func theVaultsTrustSettingsDoNotApplyToTheIdentityEndpoint() async throws {
        let emulator = try TestEnvironment.emulator()
        let environment = [
            "KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile, "KEYVAULT_TLS_SKIP_VERIFY": "true",
            "AZURE_AUTHORITY_HOST": emulator.url, "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c",
            "AZURE_CLIENT_SECRET": "client-secret-for-a-verified-peer-only",
        ]
        let refused = try KeyVaultClient(config: ClientConfig.fromEnvironment(environment))
        defer { refused.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await refused.getSecret("anything") }
        #expect(error?.code == .tlsFailed)
        #expect(error?.context["operation"] == "token")
        #expect(error?.description.contains("client-secret-for") == false)

        // The authority's CA among the system roots (SSL_CERT_FILE, as OpenSSL reads it): accepted.
        let trusted = try KeyVaultClient(
            config: ClientConfig.fromEnvironment(environment.merging(["SSL_CERT_FILE": emulator.caFile]) { $1 }))
        defer { trusted.close() }
        try await trusted.setSecret(LibraryTestSupport.uniqueName("verified-authority"), value: "v")
    }
}
