import Foundation
import Testing

@testable import UserIntegrationReconciler

/// The status patch is written by hand: it must say what the `Codable` status says, and clear
/// the vault secret's fields a merge patch would otherwise keep.
struct StatusPatchTests {
    static func parsed(_ patch: StatusPatch) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: patch.json) as? [String: Any])
    }

    /// The patch as `JSONEncoder` writes it from the `Codable` status (what the operator sent
    /// before the writer): the oracle a field added to `Status` and not to the writer fails.
    struct EncodedPatch: Encodable {
        struct Metadata: Encodable { var resourceVersion: String? }
        private enum ClearedKey: String, CodingKey { case maskedKey, vaultSecretVersion, expiresAt }
        struct Status: Encodable {
            let status: UserIntegration.Status
            func encode(to encoder: any Encoder) throws {
                try status.encode(to: encoder)
                var container = encoder.container(keyedBy: ClearedKey.self)
                if status.maskedKey == nil { try container.encodeNil(forKey: .maskedKey) }
                if status.vaultSecretVersion == nil { try container.encodeNil(forKey: .vaultSecretVersion) }
                if status.expiresAt == nil { try container.encodeNil(forKey: .expiresAt) }
            }
        }
        var metadata: Metadata
        var status: Status
    }

    static func sameAsEncoded(_ status: UserIntegration.Status, resourceVersion: String?) throws -> Bool {
        let encoded = try JSONEncoder().encode(
            EncodedPatch(metadata: .init(resourceVersion: resourceVersion), status: .init(status: status)))
        let oracle = try #require(try JSONSerialization.jsonObject(with: encoded) as? NSDictionary)
        return oracle == (try parsed(StatusPatch(status, resourceVersion: resourceVersion)) as NSDictionary)
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
        #expect(try Self.sameAsEncoded(status, resourceVersion: "77"))
        let object = try Self.parsed(StatusPatch(status, resourceVersion: "77"))
        #expect((object["metadata"] as? [String: Any])?["resourceVersion"] as? String == "77")
        let written = try JSONSerialization.data(withJSONObject: try #require(object["status"]))
        #expect(try JSONDecoder().decode(UserIntegration.Status.self, from: written) == status)
    }

    @Test func absentVaultFieldsAreSentAsNullToClearThem() throws {
        var status = UserIntegration.Status()
        status.state = .notConfigured
        #expect(try Self.sameAsEncoded(status, resourceVersion: nil))
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
