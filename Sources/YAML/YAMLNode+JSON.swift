public import Foundation

extension YAMLNode {
    /// The node as a `JSONSerialization` value (dictionaries, arrays, strings, numbers, booleans,
    /// `NSNull`), with scalars resolved as Kubernetes resolves them: ready to send to the API server.
    ///
    /// - Throws: `YAMLError` for a mapping key that is not a scalar.
    public func jsonValue(file: String? = nil) throws -> Any {
        switch content {
        case .scalar:
            switch resolvedScalar ?? .null {
            case .null: return NSNull()
            case .bool(let value): return value
            case .int(let value): return value
            case .float(let value): return value
            case .string(let value): return value
            }
        case .sequence(let items):
            return try items.map { try $0.jsonValue(file: file) }
        case .mapping(let entries):
            var object: [String: Any] = [:]
            for entry in entries {
                guard let key = entry.key.scalar else {
                    throw YAMLError(
                        file: file, position: entry.key.position,
                        message: "mapping keys must be scalars to convert to JSON")
                }
                object[key] = try entry.value.jsonValue(file: file)
            }
            return object
        }
    }

    /// The node as JSON bytes.
    public func jsonData(file: String? = nil) throws -> Data {
        try JSONSerialization.data(withJSONObject: jsonValue(file: file), options: [.sortedKeys, .fragmentsAllowed])
    }
}
