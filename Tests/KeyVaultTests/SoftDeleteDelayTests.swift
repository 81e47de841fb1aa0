import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// The library against an emulator whose deletes and recovers complete seconds later, as real
/// Key Vault's do (`--soft-delete-delay`, `--soft-delete-tail`).
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct SoftDeleteDelayTests {
    static func client(of emulator: PrivateEmulator) throws -> KeyVaultClient {
        try KeyVaultClient(config: ClientConfig.fromEnvironment(emulator.environment))
    }

    static func slowEmulator() async throws -> PrivateEmulator {
        let emulator = try PrivateEmulator(
            name: "slow-soft-delete", arguments: ["--soft-delete-delay", "2s", "--soft-delete-tail", "1s"])
        try await emulator.start()
        return emulator
    }

    @Test func aWriteRightAfterARecoverWaitsForItAndSucceeds() async throws {
        let emulator = try await Self.slowEmulator()
        let client = try Self.client(of: emulator)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("recovered")
        try await client.setSecret(name, value: "before")
        try await client.deleteSecret(name)
        // The recover is refused (404) until the delete has completed.
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                (try? await client.recoverSecret(name)) != nil
            })
        // Refused with 409 ObjectIsBeingRecovered for seconds, the write is retried until it lands.
        try await client.setSecret(name, value: "after")
        #expect(try await client.getSecret(name).value == "after")
    }

    @Test func aWriteRightAfterADeleteEndsAsDeletedButRecoverable() async throws {
        let emulator = try await Self.slowEmulator()
        let client = try Self.client(of: emulator)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("deleted")
        try await client.setSecret(name, value: "before")
        try await client.deleteSecret(name)
        // 409 ObjectIsBeingDeleted is retried; once the delete completes the name is soft-deleted.
        let error = await #expect(throws: KeyVaultError.self) { try await client.setSecret(name, value: "again") }
        #expect(error?.code == .deletedButRecoverable)
    }

    @Test func aPurgeProtectedVaultsRefusalIsReportedOnceNotRetried() async throws {
        let emulator = try PrivateEmulator(name: "purge-protected", arguments: ["--purge-protection"])
        try await emulator.start()
        let client = try Self.client(of: emulator)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("protected")
        try await client.setSecret(name, value: "kept")
        try await client.deleteSecret(name)
        let error = await #expect(throws: KeyVaultError.self) { try await client.purgeSecret(name) }
        #expect(error?.code == .purgeNotAllowed)
        #expect(error?.message.contains("purge protection is enabled") == true)
        // The delete and one purge: a refusal that cannot change is not retried.
        let requests = try EmulatorRequests(url: emulator.url, caFile: emulator.caFile)
        #expect(try await requests.count("DELETE") == 2)
        // Still recoverable, as purge protection promises.
        try await client.recoverSecret(name)
        #expect(try await client.getSecret(name).value == "kept")
    }
}
