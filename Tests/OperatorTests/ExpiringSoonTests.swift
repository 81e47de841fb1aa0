import Foundation
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// `--expiry-warning`: a credential expiring within it gets `ExpiringSoon=True` and one Warning
/// event, while it stays connected; one expiring later gets neither.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct ExpiringSoonTests {
    @Test func aCredentialExpiringWithinTheWarningIsFlagged() async throws {
        let harness = try await OperatorHarness(arguments: ["--expiry-warning", "1h"])
        let user = OperatorEndToEndTests.user()
        let formatter = ISO8601DateFormatter()
        try await harness.createSecret("creds", key: "k", value: "expiring-value-4f2")
        try await harness.create(
            "soon", userID: user, type: "weather", secretRef: ("creds", "k"),
            expiresAt: formatter.string(from: Date() + 1800))
        try await harness.create(
            "later", userID: user, type: "alexa", secretRef: ("creds", "k"),
            expiresAt: formatter.string(from: Date() + 3 * 3600))

        let soon = try await harness.waitFor("soon") {
            $0.status?.conditions?.first { $0.type == "ExpiringSoon" }?.status == .true
        }
        #expect(soon.status?.state == .connected)
        #expect(soon.status?.conditions?.first { $0.type == "Ready" }?.status == .true)
        let later = try await harness.waitFor("later") { $0.status?.state == .connected }
        #expect(later.status?.conditions?.contains { $0.type == "ExpiringSoon" } == false)
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
                try await harness.kube.listAll(Event.self, .events, namespace: harness.namespace).items.contains {
                    $0.reason == "ExpiringSoon" && $0.type == "Warning" && $0.regarding?.name == "soon"
                }
            }, "a Warning event names the expiring resource")

        // Per-resource gauges: ready, and the expiry (to the second), labelled without the user.
        let labels = #"{namespace="\#(harness.namespace)",name="soon",type="weather"}"#
        #expect(try await harness.metric("userintegration_ready" + labels) == 1)
        let expiry = try #require(try await harness.metric("userintegration_expiry_timestamp_seconds" + labels))
        let expected = try #require(soon.status?.expiresAt.flatMap { try? Date($0, strategy: .iso8601) })
        #expect(expiry == expected.timeIntervalSince1970)
        #expect(try await harness.endpoint("/metrics").body.contains(user) == false)
        try await harness.kube.delete(UserIntegration.resource, namespace: harness.namespace, name: "soon")
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(200)) {
                try await harness.metric("userintegration_ready" + labels) == nil
            }, "the deleted resource's series are gone")
        #expect(try await harness.metric("userintegration_expiry_timestamp_seconds" + labels) == nil)
    }
}
