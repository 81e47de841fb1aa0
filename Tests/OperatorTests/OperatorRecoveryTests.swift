import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// Changes of `expiresAt`, a vault outage during a deletion, and an operator killed mid-way.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct OperatorRecoveryTests {
    @Test func aNewExpiresAtIsWrittenToTheVault() async throws {
        let harness = try await OperatorHarness()
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "expiring-value-123")
        try await harness.create(
            "expiring", userID: user, type: "weather", secretRef: ("creds", "k"), expiresAt: "2031-01-01T00:00:00Z")
        let first = try await harness.waitFor("expiring") { $0.status?.state == .connected }
        _ = try await harness.kube.patch(
            UserIntegration.self, UserIntegration.resource, namespace: harness.namespace, name: "expiring",
            patch: Data(#"{"spec":{"expiresAt":"2032-02-02T00:00:00Z"}}"#.utf8))
        let second = try await harness.waitFor("expiring") { $0.status?.observedGeneration == 2 }
        #expect(second.status?.expiresAt == "2032-02-02T00:00:00Z")
        #expect(second.status?.vaultSecretVersion != first.status?.vaultSecretVersion)
        let secret = try await harness.vault.getSecret("user-\(user)-weather")
        #expect(secret.properties.expiresAt == ISO8601DateFormatter().date(from: "2032-02-02T00:00:00Z"))
        #expect(secret.value == "expiring-value-123")
    }

    @Test func aDeletionWaitsForTheVaultToComeBack() async throws {
        let emulator = try PrivateEmulator(name: "deletion-outage")
        try await emulator.start()
        let harness = try await OperatorHarness(
            environment: emulator.environment.merging(["KEYVAULT_TIMEOUT": "2s"]) { $1 })
        let vault = try KeyVaultClient(
            config: ClientConfig(
                vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))))
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("creds", key: "k", value: "outage-value-123")
        try await harness.create("doomed", userID: user, type: "alexa", secretRef: ("creds", "k"))
        _ = try await harness.waitFor("doomed") { $0.status?.state == .connected }

        await emulator.stop()
        let failedBefore = try await harness.failedReconciles()
        try await harness.kube.delete(UserIntegration.resource, namespace: harness.namespace, name: "doomed")
        // Held while the vault is down: once the deletion's reconcile has failed twice (the first
        // attempt and a retry), the operator had its chances to release it, however slowly.
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                try await harness.failedReconciles() >= failedBefore + 2
            },
            "the deletion was attempted while the vault was down")
        let held = try await harness.get("doomed")
        #expect(held.metadata.deletionTimestamp != nil)
        #expect(held.metadata.finalizers == [UserIntegration.finalizer])

        let restarted = ContinuousClock.now
        try await emulator.start()
        // Until the finalizer is released; the limit only ends a test whose deletion never is.
        let deadline = ContinuousClock.now + .seconds(120)
        while (try? await harness.get("doomed")) != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        print("deletion during a vault outage: released \(ContinuousClock.now - restarted) after the vault came back")
        #expect((try? await harness.get("doomed")) == nil)
        let gone = await #expect(throws: KeyVaultError.self) { try await vault.getSecret("user-\(user)-alexa") }
        #expect(gone?.code == .secretNotFound)
    }

    @Test func anOperatorKilledMidwayConvergesWithoutDuplicateVersions() async throws {
        let first = try await OperatorHarness()
        let user = OperatorEndToEndTests.user()
        // 40 in the suite; `make chaos` runs 1,000.
        let count = Int(ProcessInfo.processInfo.environment["KVO_CHAOS_RESOURCES"] ?? "") ?? 40
        try await first.createSecret("creds", key: "k", value: "crash-value-123")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<16 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 16) {
                        try await first.create(
                            "crash-\(index)", userID: "\(user)-\(index)", type: "ifttt", secretRef: ("creds", "k"))
                    }
                }
            }
            try await group.waitForAll()
        }
        // Kill it once some are done and others are in flight (however long a loaded machine takes to get there).
        let deadline = ContinuousClock.now + .seconds(120)
        while try await first.connectedCount(prefix: "crash-") < min(count / 4, 100), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await first.kill()
        let connectedBefore = try await first.connectedCount(prefix: "crash-")
        #expect(connectedBefore < count)

        let second = try await OperatorHarness(namespace: first.namespace)
        let restarted = ContinuousClock.now
        while try await second.connectedCount(prefix: "crash-") < count, ContinuousClock.now - restarted < .seconds(300)
        {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await second.connectedCount(prefix: "crash-") == count)
        print(
            "operator SIGKILL: \(connectedBefore) of \(count) were connected at the kill; all \(count) \(ContinuousClock.now - restarted) after the restart"
        )
        for index in 0..<count {
            let versions = try await second.vault.listSecretVersions("user-\(user)-\(index)-ifttt")
            #expect(versions.count == 1, "user-\(user)-\(index)-ifttt has \(versions.count) versions")
            #expect(
                versions.first?.tags["owner"] == "\(second.namespace)/crash-\(index)",
                "every vault secret has its owner")
        }
    }
}

extension Range<Int> {
    /// The results of an async transform, one element after another.
    func asyncMap<T>(_ transform: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
