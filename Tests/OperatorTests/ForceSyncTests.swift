import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// `integrations.keyvault.dev/force-sync`: a new value reconciles the resource at once and re-reads
/// the vault, long before the resync period would.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct ForceSyncTests {
    @Test func aNewForceSyncValueReReadsTheVault() async throws {
        let harness = try await OperatorHarness(resyncPeriod: "1h")
        let emulator = try TestEnvironment.emulator()
        let user = OperatorEndToEndTests.user()
        let name = "user-\(user)-weather"
        // An app writes the vault only, not Redis: nothing tells the operator of this value.
        let vault = try KeyVaultClient(
            config: ClientConfig(
                vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile))))
        defer { vault.close() }
        try await vault.setSecret(name, value: "first-value-aaa")
        try await harness.create("observed", userID: user, type: "weather")
        _ = try await harness.waitFor("observed") { $0.status?.maskedKey == "***aaa" }
        let reads = try await harness.vaultRequests("GET", "/secrets/\(name)")

        try await vault.setSecret(name, value: "second-value-bbb")
        #expect(try await harness.get("observed").status?.maskedKey == "***aaa")
        for token in ["2026-12-04T15:00:00Z", "2026-12-04T15:05:00Z"] {
            let suffix = token.hasSuffix("00:00Z") ? "bbb" : "ccc"
            if suffix == "ccc" { try await vault.setSecret(name, value: "third-value-ccc") }
            _ = try await harness.kube.patch(
                UserIntegration.self, UserIntegration.resource, namespace: harness.namespace, name: "observed",
                patch: Data(
                    #"{"metadata":{"annotations":{"\#(UserIntegration.forceSyncAnnotation)":"\#(token)"}}}"#.utf8))
            _ = try await harness.waitFor("observed") { $0.status?.maskedKey == "***\(suffix)" }
        }
        #expect(try await harness.vaultRequests("GET", "/secrets/\(name)") >= reads + 2)
    }
}
