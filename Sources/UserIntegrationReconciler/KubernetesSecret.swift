public import Foundation
public import JSONReading
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

/// The reconciler reads a Secret at every reconcile: read with `JSONReader`, not `JSONDecoder`
/// (which was about 1.5 % of the operator's CPU in a bulk load).
extension KubernetesSecret: JSONReadable {
    /// Reads the fields `KubernetesSecret` keeps, as its `Decodable` conformance does; skips the rest.
    public init(reading reader: inout JSONReader) throws {
        var apiVersion: String?
        var kind: String?
        var metadata: ObjectMeta?
        var data: [String: String]?
        try reader.readObject { key, reader in
            switch key {
            case "apiVersion": apiVersion = try reader.readOptional { try $0.readString() }
            case "kind": kind = try reader.readOptional { try $0.readString() }
            case "metadata": metadata = try ObjectMeta(reading: &reader)
            case "data": data = try reader.readOptional { try $0.readStringMap() }
            default: try reader.skipValue()
            }
        }
        self.init(
            apiVersion: apiVersion, kind: kind, metadata: try JSONReader.required(metadata, "metadata"), data: data)
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
