import Foundation
import Testing

@testable import UserIntegrationReconciler

/// The status patch is written by hand: it must say what the `Codable` status says, and clear
/// the vault secret's fields a merge patch would otherwise keep.
struct StatusPatchTests {
    static func parsed(_ patch: StatusPatch) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: patch.json) as? [String: Any])
    }

    @Test func aFullStatusReadsBackAsTheStatusItWas() throws {
        var status = UserIntegration.Status()
        status.state = .connected
        status.maskedKey = "***4f2"
        status.vaultSecretName = "user-user-123-weather"
        status.vaultSecretVersion = "81658039fab53a2a9684e169aa30c243"
        status.expiresAt = "2026-12-28T00:00:00Z"
        status.lastSyncTime = "2026-12-04T21:00:00Z"
        status.observedGeneration = 3
        status.conditions = [
            Condition(
                type: "Ready", status: .true, reason: "Synced", message: "quote \" and\nnewline",
                lastTransitionTime: "2026-12-04T21:00:00Z", observedGeneration: 3),
            Condition(
                type: "Expired", status: .false, reason: "Valid", message: "été", lastTransitionTime: "t",
                observedGeneration: nil),
        ]
        let patch = StatusPatch(status, resourceVersion: "77")
        let object = try Self.parsed(patch)
        #expect((object["metadata"] as? [String: Any])?["resourceVersion"] as? String == "77")
        let written = try JSONSerialization.data(withJSONObject: try #require(object["status"]))
        #expect(try JSONDecoder().decode(UserIntegration.Status.self, from: written) == status)
    }

    @Test func absentVaultFieldsAreSentAsNullToClearThem() throws {
        var status = UserIntegration.Status()
        status.state = .notConfigured
        let object = try Self.parsed(StatusPatch(status, resourceVersion: nil))
        let written = try #require(object["status"] as? [String: Any])
        for cleared in ["maskedKey", "vaultSecretVersion", "expiresAt"] {
            #expect(written[cleared] is NSNull, "\(cleared)")
        }
        #expect(written["vaultSecretName"] == nil)
        #expect(written["conditions"] == nil)
        #expect((object["metadata"] as? [String: Any])?.isEmpty == true)
        #expect(
            try JSONDecoder().decode(UserIntegration.Status.self, from: JSONSerialization.data(withJSONObject: written))
                == status)
    }
}
