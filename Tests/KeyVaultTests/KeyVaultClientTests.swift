import Foundation
import KeyVault
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct KeyVaultClientTests {
    @Test func setGetVersionsAndUpdateRoundTrip() async throws {
        let client = try KeyVaultClient(config: LibraryTestSupport.vaultConfig())
        let name = LibraryTestSupport.uniqueName("client")
        let expires = Date(timeIntervalSince1970: 2_000_000_000)
        let first = try await client.setSecret(
            name: name, value: "one", contentType: "text/plain", expiresAt: expires, tags: ["a": "b"])
        #expect(first.name == name)
        #expect(first.version.count == 32)
        #expect(first.expiresAt == expires)
        let second = try await client.setSecret(name, value: "two")
        let latest = try await client.getSecret(name)
        #expect(latest.value == "two")
        #expect(latest.properties.version == second.version)
        #expect(try await client.getSecret(name, version: first.version).value == "one")
        #expect(Set(try await client.listSecretVersions(name).map(\.version)) == [first.version, second.version])
        let updated = try await client.updateSecretProperties(
            name, attributes: .init(contentType: "json", tags: ["k": "v"]))
        #expect(updated.contentType == "json")
        #expect(updated.tags == ["k": "v"])
    }

    @Test func listFollowsEveryPage() async throws {
        let client = try KeyVaultClient(config: LibraryTestSupport.vaultConfig())
        let prefix = LibraryTestSupport.uniqueName("paged")
        for index in 0..<30 { try await client.setSecret("\(prefix)-\(index)", value: "x") }
        let names = try await client.listSecrets().map(\.name).filter { $0.hasPrefix(prefix) }
        #expect(names.count == 30)
    }

    @Test func deleteRecoverPurgeLifecycle() async throws {
        let client = try KeyVaultClient(config: LibraryTestSupport.vaultConfig())
        let name = LibraryTestSupport.uniqueName("life")
        try await client.setSecret(name, value: "v")
        try await client.deleteSecret(name)
        let missing = await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) }
        #expect(missing?.code == .secretNotFound)
        let conflict = await #expect(throws: KeyVaultError.self) { try await client.setSecret(name, value: "again") }
        #expect(conflict?.code == .deletedButRecoverable)
        try await client.recoverSecret(name)
        #expect(try await client.getSecret(name).value == "v")
        try await client.deleteSecret(name)
        try await client.purgeSecret(name)
        try await client.setSecret(name, value: "fresh")
    }

    @Test func errorsCarryCodesAndNeverValues() async throws {
        let client = try KeyVaultClient(config: LibraryTestSupport.vaultConfig())
        let name = LibraryTestSupport.uniqueName("errors")
        let notFound = await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) }
        #expect(notFound?.description.hasPrefix("[INFRA-KEYVAULT-020] MEDIUM: Secret not found in KeyVault") == true)
        try await client.setSecret(name, value: "disabled-value-marker", attributes: .init(enabled: false))
        let disabled = await #expect(throws: KeyVaultError.self) { try await client.getSecret(name) }
        #expect(disabled?.code == .secretDisabled)
        #expect(disabled?.description.contains("disabled-value-marker") == false)
        let big = String(repeating: "x", count: 25 * 1024 + 1)
        let oversize = await #expect(throws: KeyVaultError.self) { try await client.setSecret(name, value: big) }
        #expect(oversize?.code == .invalidInput)
        let badName = await #expect(throws: KeyVaultError.self) { try await client.getSecret("bad_name") }
        #expect(badName?.code == .invalidInput)
    }

    @Test func wrongCAIsAClearTLSError() async throws {
        let wrongCA = try TestEnvironment.kubernetes().wrongCAFile
        // A TLS failure is final, not retried: with a first retry delay of at least 30 s (60 s with
        // ±50 % jitter) inside a 120 s timeout, a retry would take 30 s or more, however idle the
        // machine, and a clear failure takes a fraction of that however loaded it is.
        var config = try LibraryTestSupport.vaultConfig(caFile: wrongCA, timeout: .seconds(120))
        config.retry = RetryPolicy(initialBackoff: .seconds(60), maximumBackoff: .seconds(60), maximumAttempts: 2)
        let client = try KeyVaultClient(config: config)
        defer { client.close() }
        let started = ContinuousClock.now
        let error = await #expect(throws: KeyVaultError.self) { try await client.health() }
        #expect(error?.code == .tlsFailed)
        let elapsed = ContinuousClock.now - started
        print("wrong CA: failed after \(elapsed)")
        #expect(elapsed < .seconds(30))
    }

    @Test func unreachableVaultIsAConnectionFailureWithinTheTimeout() async throws {
        let url = "https://127.0.0.1:\(LocalPorts.free())"
        // Refused connections are retried, up to 1,000 attempts about 100 ms apart: without the 1 s
        // timeout that is some 100 s of retrying. Cut short by the timeout, the call ends in well
        // under 30 s however loaded the machine is.
        var config = try LibraryTestSupport.vaultConfig(url: url, timeout: .seconds(1))
        config.retry = RetryPolicy(
            initialBackoff: .milliseconds(100), maximumBackoff: .milliseconds(100), maximumAttempts: 1_000)
        let client = try KeyVaultClient(config: config)
        defer { client.close() }
        let started = ContinuousClock.now
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("x") }
        #expect(error?.code == .connectionFailed)
        let elapsed = ContinuousClock.now - started
        print("unreachable vault with a 1 s timeout: failed after \(elapsed)")
        #expect(elapsed < .seconds(30))
    }

    @Test func healthReportsLatency() async throws {
        let client = try KeyVaultClient(config: LibraryTestSupport.vaultConfig())
        let latency = try await client.health()
        #expect(latency > .zero)
    }

    @Test func clientSecretAndWorkloadIdentityCredentialsGetTokens() async throws {
        let emulator = try TestEnvironment.emulator()
        let secretClient = try KeyVaultClient(
            config: LibraryTestSupport.vaultConfig(
                credential: .clientSecret(tenantID: "t1", clientID: "app", secret: "s", authorityHost: emulator.url)))
        try await secretClient.health()
        let tokenFile = TestEnvironment.scratchDirectory + "/federated-\(UUID().uuidString)"
        try FileManager.default.createDirectory(
            atPath: TestEnvironment.scratchDirectory, withIntermediateDirectories: true)
        try "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let federated = try KeyVaultClient(
            config: LibraryTestSupport.vaultConfig(
                credential: .workloadIdentity(
                    tenantID: "t1", clientID: "app", tokenFile: tokenFile, authorityHost: emulator.url)))
        try await federated.health()
        let missingFile = try KeyVaultClient(
            config: LibraryTestSupport.vaultConfig(
                credential: .workloadIdentity(
                    tenantID: "t1", clientID: "app", tokenFile: "/nonexistent", authorityHost: emulator.url)))
        let error = await #expect(throws: KeyVaultError.self) { try await missingFile.health() }
        #expect(error?.code == .authenticationFailed)
    }

    @Test func throttledRequestsSucceedAfterBackoff() async throws {
        let emulator = try PrivateEmulator(name: "throttled", arguments: ["--fault-throttle-rate", "0.4"])
        try await emulator.start()
        let client = try KeyVaultClient(
            config: LibraryTestSupport.vaultConfig(url: emulator.url, caFile: emulator.caFile, timeout: .seconds(30)))
        for index in 0..<20 {
            try await client.setSecret("throttled-\(index)", value: "v\(index)")
            #expect(try await client.getSecret("throttled-\(index)").value == "v\(index)")
        }
    }
}
