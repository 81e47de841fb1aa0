import Foundation
import Kubernetes
import TestEnvironment
import Testing

@testable import UserIntegrationReconciler

/// What the reconciler holds of a value (the Secret it read, the vault secret it wants) never
/// shows when printed, interpolated, debug-printed or dumped.
struct ReconcilerRedactionTests {
    static let marker = "leak-marker-7f3a"

    @Test func theDesiredVaultSecretShowsItsNameNotItsValue() {
        let desired = DesiredVaultSecret(
            name: "user-u1-weather", value: Self.marker, expiresAt: nil, tags: ["owner": "team-a/u1"])
        let plan = ReconcilePlan(
            vaultAction: .write(desired), status: .init(), requeueAfter: nil, event: nil)
        for text in everyRendering(of: desired) + everyRendering(of: plan) {
            #expect(!text.contains(Self.marker), "\(text)")
            #expect(text.contains("user-u1-weather"))
        }
    }

    @Test func aKubernetesSecretShowsItsKeysNotItsData() {
        let encoded = Data(Self.marker.utf8).base64EncodedString()
        let secret = KubernetesSecret(
            metadata: ObjectMeta(name: "weather", namespace: "team-a"), data: ["api-key": encoded])
        for text in everyRendering(of: secret) + everyRendering(of: [secret]) {
            #expect(!text.contains(Self.marker) && !text.contains(encoded), "\(text)")
            #expect(text.contains("api-key"))
        }
    }
}
