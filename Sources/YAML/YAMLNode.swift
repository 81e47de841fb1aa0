/// A position in a YAML text, 1-based, as editors show it.
public struct YAMLPosition: Sendable, Hashable, CustomStringConvertible {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public var description: String { "\(line):\(column)" }
}

/// A node of a parsed YAML document: a scalar, a sequence or a mapping, with its tag and position.
public struct YAMLNode: Sendable, Hashable {
    /// How a scalar was written, which decides how it resolves (only plain scalars can be
    /// numbers, booleans or null).
    public enum ScalarStyle: Sendable, Hashable {
        case plain, singleQuoted, doubleQuoted, literal, folded
    }

    /// A key and its value in a mapping, in document order.
    public struct Entry: Sendable, Hashable {
        public var key: YAMLNode
        public var value: YAMLNode
    }

    public enum Content: Sendable, Hashable {
        case scalar(String, ScalarStyle)
        case sequence([YAMLNode])
        case mapping([Entry])
    }

    public var content: Content
    /// The explicit tag (`!!str`, `!custom`), if the document gave one.
    public var tag: String?
    public var position: YAMLPosition

    public init(content: Content, tag: String? = nil, position: YAMLPosition) {
        self.content = content
        self.tag = tag
        self.position = position
    }

    /// The scalar's text, for scalars.
    public var scalar: String? {
        if case .scalar(let text, _) = content { return text }
        return nil
    }

    /// The sequence's items, for sequences.
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    /// The mapping's entries, for mappings.
    public var mapping: [Entry]? {
        if case .mapping(let entries) = content { return entries }
        return nil
    }

    /// The value of the mapping entry whose key is the scalar `key`.
    public subscript(key: String) -> YAMLNode? {
        mapping?.first { $0.key.scalar == key }?.value
    }

    /// Whether the node is YAML's null (`~`, `null`, or nothing at all).
    public var isNull: Bool { resolvedScalar == .null }
}
