/// A YAML problem at a position: malformed text, or content that does not decode.
/// Prints as `file.yaml:12:5: message`.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name given to the parser, if any.
    public var file: String?
    public var position: YAMLPosition
    public var message: String
    /// The path of keys and indices to the node, e.g. `spec.secretRef.name`, when known.
    public var path: String?

    public init(file: String?, position: YAMLPosition, message: String, path: String? = nil) {
        self.file = file
        self.position = position
        self.message = message
        self.path = path
    }

    public var line: Int { position.line }
    public var column: Int { position.column }

    public var description: String {
        let location = "\(file ?? "<input>"):\(position.line):\(position.column)"
        if let path, !path.isEmpty { return "\(location): \(path): \(message)" }
        return "\(location): \(message)"
    }
}
