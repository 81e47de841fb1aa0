/// Decodes `Decodable` values from YAML, reporting problems with their file, line and column.
///
/// Scalars resolve as Kubernetes' YAML reader resolves them: a plain `123` is an integer and does
/// not decode as a `String` (quote it), `yes` is a boolean.
public struct YAMLDecoder: Sendable {
    public init() {}

    /// Decodes a value from a text holding one document.
    public func decode<T: Decodable>(_ type: T.Type, from text: String, file: String? = nil) throws -> T {
        try decode(type, from: YAMLParser.parse(text, file: file), file: file)
    }

    /// Decodes a value from a parsed node.
    ///
    /// - Throws: `YAMLError` naming the position and path of the node that did not decode.
    public func decode<T: Decodable>(_ type: T.Type, from node: YAMLNode, file: String? = nil) throws -> T {
        do {
            return try T(from: NodeDecoder(node: node, codingPath: []))
        } catch let error as DecodingError {
            throw Self.yamlError(error, root: node, file: file)
        }
    }

    static func yamlError(_ error: DecodingError, root: YAMLNode, file: String?) -> YAMLError {
        let context: DecodingError.Context
        var message: String
        switch error {
        case .keyNotFound(let key, let keyContext):
            context = keyContext
            message = "missing required field '\(key.stringValue)'"
        case .typeMismatch(_, let mismatchContext), .valueNotFound(_, let mismatchContext),
            .dataCorrupted(let mismatchContext):
            context = mismatchContext
            message = mismatchContext.debugDescription
        @unknown default:
            return YAMLError(file: file, position: root.position, message: "\(error)")
        }
        if case .keyNotFound = error {} else if message.isEmpty { message = "invalid value" }
        let node = root.descendant(at: context.codingPath)
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return YAMLError(
            file: file, position: node.position, message: message,
            path: path.hasPrefix(".") ? String(path.dropFirst()) : path)
    }
}

extension YAMLNode {
    /// The deepest node that exists along `path`.
    func descendant(at path: [any CodingKey]) -> YAMLNode {
        var node = self
        for key in path {
            if let index = key.intValue, let items = node.sequence, items.indices.contains(index) {
                node = items[index]
            } else if let entry = node.mapping?.first(where: { $0.key.scalar == key.stringValue }) {
                node = entry.value
            } else {
                break
            }
        }
        return node
    }
}
