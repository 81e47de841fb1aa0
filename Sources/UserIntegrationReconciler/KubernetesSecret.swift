public import Foundation
import KeyVault
public import Kubernetes

/// A core/v1 Secret as the reconciler reads it: `data` values are base64, as the API sends them.
public struct KubernetesSecret: KubernetesObject {
    public var apiVersion: String? = "v1"
    public var kind: String? = "Secret"
    public var metadata: ObjectMeta
    public var data: [String: String]?

    /// The decoded value of `key`, or `nil` when the key is absent or not base64.
    public func value(forKey key: String) -> Data? {
        data?[key].flatMap { Data(base64Encoded: $0) }
    }
}

// Values never show in `description`, `debugDescription`, `dump` or any `Mirror`: only their keys.
extension KubernetesSecret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "Secret(\(metadata.namespace ?? "-")/\(metadata.name ?? "-"), keys: \((data ?? [:]).keys.sorted()))"
    }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "metadata": metadata, "data": (data ?? [:]).mapValues { _ in redactedMarker },
            ], displayStyle: .struct)
    }
}
