public import Foundation
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
