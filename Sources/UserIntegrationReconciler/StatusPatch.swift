import Foundation
import JSONReading

/// A status write as a JSON merge patch, conditional on the resourceVersion it was planned from.
/// The fields that describe the vault secret (masked key, version, expiry) are sent as `null` when
/// absent, so a value shown before is removed rather than left in place (a merge patch keeps
/// every field it does not name). Written with `JSONWriter`: one is sent per reconcile.
struct StatusPatch {
    let status: UserIntegration.Status
    let resourceVersion: String?

    init(_ status: UserIntegration.Status, resourceVersion: String?) {
        self.status = status
        self.resourceVersion = resourceVersion
    }

    /// `{"metadata":{"resourceVersion":…},"status":{…}}`.
    var json: Data {
        var writer = JSONWriter(capacity: 1_024)
        writer.object { patch in
            patch.key("metadata")
            patch.object { $0.member("resourceVersion", resourceVersion) }
            patch.key("status")
            patch.object(writeStatus)
        }
        return writer.data
    }

    private func writeStatus(_ writer: inout JSONWriter) {
        writer.member("state", status.state?.rawValue)
        writeClearable("maskedKey", status.maskedKey, &writer)
        writer.member("vaultSecretName", status.vaultSecretName)
        writeClearable("vaultSecretVersion", status.vaultSecretVersion, &writer)
        writeClearable("expiresAt", status.expiresAt, &writer)
        writer.member("lastSyncTime", status.lastSyncTime)
        writer.member("observedGeneration", status.observedGeneration)
        guard let conditions = status.conditions else { return }
        writer.key("conditions")
        writer.array { list in
            for condition in conditions {
                list.object { item in
                    item.member("type", condition.type)
                    item.member("status", condition.status.rawValue)
                    item.member("reason", condition.reason)
                    item.member("message", condition.message)
                    item.member("lastTransitionTime", condition.lastTransitionTime)
                    item.member("observedGeneration", condition.observedGeneration)
                }
            }
        }
    }

    /// The value, or `null` to remove one shown before.
    private func writeClearable(_ key: String, _ value: String?, _ writer: inout JSONWriter) {
        writer.key(key)
        if let value { writer.string(value) } else { writer.null() }
    }
}
