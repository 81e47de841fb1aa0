import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// The library configured as the chart configures the operator next to its in-cluster emulator:
/// client credentials against the emulator as the authority, its CA as the system roots.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct EmulatorClientSecretTests {
    @Test func onlyTheConfiguredClientSecretGetsAToken() async throws {
        let secretFile = TestEnvironment.scratchDirectory + "/client-secret-\(UUID().uuidString)"
        try Data("chart-generated-secret".utf8).write(to: URL(fileURLWithPath: secretFile))
        let emulator = try PrivateEmulator(arguments: ["--client-secret-file", secretFile])
        try await emulator.start()
        defer { emulator.sendKill() }
        func environment(secret: String) -> [String: String] {
            emulator.environment.merging([
                "AZURE_TENANT_ID": "00000000-0000-0000-0000-000000000000", "AZURE_CLIENT_ID": "keyvault-operator",
                "AZURE_CLIENT_SECRET": secret, "AZURE_AUTHORITY_HOST": emulator.url, "SSL_CERT_FILE": emulator.caFile,
            ]) { $1 }
        }

        let operatorClient = try KeyVaultClient(
            config: ClientConfig.fromEnvironment(environment(secret: "chart-generated-secret")))
        defer { operatorClient.close() }
        let name = LibraryTestSupport.uniqueName("client-secret")
        try await operatorClient.setSecret(name, value: "v")
        #expect(try await operatorClient.getSecret(name).value == "v")

        // Anyone else reaching the emulator: the emulator's token endpoint, then any guess, is refused.
        let emulatorToken = try KeyVaultClient(config: ClientConfig.fromEnvironment(emulator.environment))
        defer { emulatorToken.close() }
        await #expect(throws: KeyVaultError.self) { try await emulatorToken.getSecret(name) }
        let guessing = try KeyVaultClient(config: ClientConfig.fromEnvironment(environment(secret: "guess")))
        defer { guessing.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await guessing.getSecret(name) }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.description.contains("guess") == false)
    }
}
