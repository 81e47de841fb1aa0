import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// Managed identity against the rig's identity endpoint (scripts/fake-imds, which issues the
/// emulator's tokens), configured as on Azure: nothing but where the endpoint is.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.managedIdentity)))
struct ManagedIdentityTests {
    static func environment(_ extra: [String: String]) throws -> [String: String] {
        let emulator = try TestEnvironment.emulator()
        return ["KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile].merging(extra) { $1 }
    }

    static func imds(clientID: String? = nil) throws -> [String: String] {
        var environment = ["AZURE_POD_IDENTITY_AUTHORITY_HOST": try TestEnvironment.managedIdentity().url]
        if let clientID { environment["AZURE_CLIENT_ID"] = clientID }
        return try Self.environment(environment)
    }

    static func tokenRequests(clientID: String) async throws -> Int {
        try await TestEnvironment.managedIdentity().tokenRequests(clientID: clientID)
    }

    /// Writes and reads a secret with the client the environment describes.
    static func roundTrip(_ environment: [String: String]) async throws {
        let client = try KeyVaultClient(config: ClientConfig.fromEnvironment(environment))
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("managed-identity")
        try await client.setSecret(name, value: "through-managed-identity")
        #expect(try await client.getSecret(name).value == "through-managed-identity")
    }

    @Test func aSystemAssignedIdentityGetsTokensFromIMDS() async throws {
        let environment = try Self.imds()
        guard case .managedIdentity(nil, .imds) = try ClientConfig.fromEnvironment(environment).credential else {
            Issue.record("not a system-assigned IMDS identity")
            return
        }
        try await Self.roundTrip(environment)
    }

    @Test func aUserAssignedIdentityIsAskedForByClientIDAndItsTokenIsReused() async throws {
        let clientID = "uai-\(UUID().uuidString.prefix(8))"
        try await Self.roundTrip(try Self.imds(clientID: clientID))
        #expect(try await Self.tokenRequests(clientID: clientID) == 1)
    }

    @Test func retryableAnswersAreRetriedAsAzureDocuments() async throws {
        // IMDS answers 410 while it updates, 429 when throttling, 5xx when failing: retried.
        let clientID = "fail-410-429-503-\(UUID().uuidString.prefix(8))"
        try await Self.roundTrip(try Self.imds(clientID: clientID))
        #expect(try await Self.tokenRequests(clientID: clientID) == 4)
    }

    @Test func appServiceIdentityUsesItsEndpointAndHeader() async throws {
        let identity = try TestEnvironment.managedIdentity()
        let clientID = "app-\(UUID().uuidString.prefix(8))"
        try await Self.roundTrip(
            try Self.environment([
                "IDENTITY_ENDPOINT": identity.appServiceEndpoint, "IDENTITY_HEADER": identity.identityHeader,
                "AZURE_CLIENT_ID": clientID,
            ]))
        #expect(try await Self.tokenRequests(clientID: clientID) == 1)
    }

    @Test func aRefusedIdentityIsReportedWithoutItsSecretAndNotRetried() async throws {
        let identity = try TestEnvironment.managedIdentity()
        let clientID = "refused-\(UUID().uuidString.prefix(8))"
        let wrongHeader = "wrong-header-\(UUID().uuidString)"
        let client = try KeyVaultClient(
            config: ClientConfig.fromEnvironment(
                try Self.environment([
                    "IDENTITY_ENDPOINT": identity.appServiceEndpoint, "IDENTITY_HEADER": wrongHeader,
                    "AZURE_CLIENT_ID": clientID,
                ])))
        defer { client.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("anything") }
        #expect(error?.code == .authenticationFailed)
        #expect("\(String(describing: error))".contains("managed identity endpoint answered 401"))
        #expect(!"\(String(describing: error))".contains(wrongHeader))
        #expect(try await Self.tokenRequests(clientID: clientID) == 0)
    }

    @Test func theCLIAuthenticatesWithNothingElseConfigured() async throws {
        let clientID = "cli-\(UUID().uuidString.prefix(8))"
        let name = LibraryTestSupport.uniqueName("cli-managed-identity")
        let environment = try Self.imds(clientID: clientID)
        #expect(
            try await CommandRun(["secret", "set", name, "--value", "from-the-cli"], environment: environment).status
                == 0)
        let get = try await CommandRun(["secret", "get", name], environment: environment)
        #expect(get.status == 0, "\(get.error)")
        #expect(try await Self.tokenRequests(clientID: clientID) == 2)
    }
}

/// Which credential the environment chooses, in `DefaultAzureCredential`'s order.
struct CredentialChoiceTests {
    static func credential(_ environment: [String: String]) throws -> Credential {
        try EnvironmentConfiguration.credential(
            environment, vaultURL: environment["KEYVAULT_URL"] ?? "https://127.0.0.1:4997")
    }

    @Test func theOrderIsClientSecretWorkloadIdentityManagedIdentityStaticTokenThenTheVaultsKind() throws {
        var environment = [
            "AZURE_TENANT_ID": "t", "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s",
            "AZURE_FEDERATED_TOKEN_FILE": "/f",
            "IDENTITY_ENDPOINT": "http://localhost:42356/msi/token", "IDENTITY_HEADER": "h",
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1:1", "KEYVAULT_TOKEN": "token",
            "KEYVAULT_URL": "https://my-vault.vault.azure.net",
        ]
        #expect(try Self.credential(environment).kind == "client-secret")
        environment["AZURE_CLIENT_SECRET"] = nil
        // A certificate comes next (ClientCertificateTests, where one is made); then workload identity.
        #expect(try Self.credential(environment).kind == "workload-identity")
        environment["AZURE_FEDERATED_TOKEN_FILE"] = nil
        guard case .managedIdentity("c", .appService) = try Self.credential(environment) else {
            Issue.record("App Service identity expected")
            return
        }
        environment["IDENTITY_ENDPOINT"] = nil
        #expect(
            try Self.credential(environment)
                == .managedIdentity(clientID: "c", endpoint: .imds(host: "http://127.0.0.1:1")))
        environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = nil
        #expect(try Self.credential(environment).kind == "static-token")
        environment["KEYVAULT_TOKEN"] = nil
        // Nothing configured: a real vault's tokens come from the host's managed identity.
        #expect(
            try Self.credential(environment)
                == .managedIdentity(clientID: "c", endpoint: .imds(host: "http://169.254.169.254")))
        environment["KEYVAULT_URL"] = "https://my-vault.vault.azure.cn/"
        #expect(try Self.credential(environment).kind == "managed-identity")
        environment["KEYVAULT_URL"] = "https://iot-keyvault:4997"
        #expect(try Self.credential(environment).kind == "emulator")
    }

    @Test func anIncompleteIdentityIsAStartUpErrorNamingTheVariable() throws {
        let missingHeader = #expect(throws: KeyVaultError.self) {
            try Self.credential(["IDENTITY_ENDPOINT": "http://localhost:42356/msi/token"])
        }
        #expect(missingHeader?.context["variable"] == "IDENTITY_HEADER")
        let notAURL = #expect(throws: KeyVaultError.self) {
            try Self.credential(["AZURE_POD_IDENTITY_AUTHORITY_HOST": "169.254.169.254"])
        }
        #expect(notAURL?.context["variable"] == "AZURE_POD_IDENTITY_AUTHORITY_HOST")
    }

    @Test func theSummaryNamesTheCredentialButNoSecret() {
        let appService = Credential.managedIdentity(
            clientID: nil, endpoint: .appService(url: "http://localhost:42356/msi/token", header: "header-secret-1"))
        #expect(appService.summary.contains("managed-identity"))
        #expect(appService.summary.contains("system-assigned"))
        #expect(!appService.summary.contains("header-secret-1"))
        let secret = Credential.clientSecret(
            tenantID: "t", clientID: "c", secret: "client-secret-2", authorityHost: "https://a")
        #expect(!secret.summary.contains("client-secret-2"))
    }
}
