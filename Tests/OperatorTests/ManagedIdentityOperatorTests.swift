import Foundation
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// The operator with nothing but a managed identity endpoint configured, as on an AKS node.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.managedIdentity)))
struct ManagedIdentityOperatorTests {
    @Test func theOperatorAuthenticatesThroughIMDSAndSaysSo() async throws {
        let identity = try TestEnvironment.managedIdentity()
        let clientID = "operator-\(UUID().uuidString.prefix(8))"
        let harness = try await OperatorHarness(environment: [
            "AZURE_POD_IDENTITY_AUTHORITY_HOST": identity.url, "AZURE_CLIENT_ID": clientID,
        ])
        try await harness.createSecret("creds", key: "k", value: "through-imds-7c1")
        try await harness.create(
            "weather", userID: OperatorEndToEndTests.user(), type: "weather", secretRef: ("creds", "k"))
        let reconciled = try await harness.waitFor("weather") { $0.status?.state == .connected }
        #expect(reconciled.status?.maskedKey == "***7c1")

        #expect(try await identity.tokenRequests(clientID: clientID) == 1)
        #expect(harness.log.contains("managed-identity (IMDS at \(identity.url), user-assigned client \(clientID))"))
    }
}
