import CYAML

/// Parses YAML text with libyaml into `YAMLNode` trees, one per document.
public enum YAMLParser {
    /// Parses every document of `text`. An empty stream has no documents; an empty document
    /// (`---` with nothing after it) is a null scalar.
    ///
    /// - Parameter file: the name used in error messages, e.g. `manifests/user.yaml`.
    /// - Throws: `YAMLError` with the position of the problem.
    public static func parseDocuments(_ text: String, file: String? = nil) throws -> [YAMLNode] {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            throw YAMLError(
                file: file, position: .init(line: 1, column: 1), message: "cannot initialise the YAML parser")
        }
        defer { yaml_parser_delete(&parser) }
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = YAMLTreeBuilder(file: file)
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    throw parserError(parser, file: file)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return builder.documents
        }
    }

    /// Parses a text that must hold exactly one document.
    public static func parse(_ text: String, file: String? = nil) throws -> YAMLNode {
        let documents = try parseDocuments(text, file: file)
        guard documents.count <= 1 else {
            throw YAMLError(
                file: file, position: documents[1].position, message: "expected one document, found \(documents.count)")
        }
        return documents.first ?? YAMLNode(content: .scalar("", .plain), position: .init(line: 1, column: 1))
    }

    private static func parserError(_ parser: yaml_parser_t, file: String?) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed YAML"
        let context = parser.context.map { String(cString: $0) }
        let mark = parser.problem_mark
        let message = context.map { "\($0): \(problem)" } ?? problem
        return YAMLError(
            file: file, position: .init(line: Int(mark.line) + 1, column: Int(mark.column) + 1), message: message)
    }
}

/// Builds nodes from libyaml's event stream.
private struct YAMLTreeBuilder {
    private enum Frame {
        case sequence(items: [YAMLNode], tag: String?, anchor: String?, position: YAMLPosition)
        case mapping(
            entries: [YAMLNode.Entry], pendingKey: YAMLNode?, tag: String?, anchor: String?, position: YAMLPosition)
    }

    let file: String?
    private(set) var documents: [YAMLNode] = []
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var root: YAMLNode?

    init(file: String?) {
        self.file = file
    }

    mutating func handle(_ event: yaml_event_t) throws {
        let position = YAMLPosition(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            root = nil
            anchors = [:]
        case YAML_DOCUMENT_END_EVENT:
            documents.append(root ?? YAMLNode(content: .scalar("", .plain), position: position))
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = Self.string(scalar.value, length: scalar.length) ?? ""
            let node = YAMLNode(
                content: .scalar(text, Self.style(scalar.style)), tag: Self.string(scalar.tag), position: position)
            try add(node, anchor: Self.string(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard var node = anchors[name] else {
                throw YAMLError(file: file, position: position, message: "unknown anchor '\(name)'")
            }
            node.position = position
            try add(node, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            stack.append(
                .sequence(items: [], tag: Self.string(start.tag), anchor: Self.string(start.anchor), position: position)
            )
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            stack.append(
                .mapping(
                    entries: [], pendingKey: nil, tag: Self.string(start.tag), anchor: Self.string(start.anchor),
                    position: position))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            switch stack.popLast() {
            case .sequence(let items, let tag, let anchor, let start)?:
                try add(YAMLNode(content: .sequence(items), tag: tag, position: start), anchor: anchor)
            case .mapping(let entries, _, let tag, let anchor, let start)?:
                try add(YAMLNode(content: .mapping(entries), tag: tag, position: start), anchor: anchor)
            case nil:
                break
            }
        default:
            break
        }
    }

    private mutating func add(_ node: YAMLNode, anchor: String?) throws {
        if let anchor { anchors[anchor] = node }
        switch stack.popLast() {
        case nil:
            root = node
        case .sequence(var items, let tag, let anchor, let position)?:
            items.append(node)
            stack.append(.sequence(items: items, tag: tag, anchor: anchor, position: position))
        case .mapping(var entries, let pendingKey, let tag, let anchor, let position)?:
            if let key = pendingKey {
                entries.append(.init(key: key, value: node))
                stack.append(.mapping(entries: entries, pendingKey: nil, tag: tag, anchor: anchor, position: position))
            } else {
                if let text = node.scalar, let earlier = entries.first(where: { $0.key.scalar == text }) {
                    throw YAMLError(
                        file: file, position: node.position,
                        message: "duplicate key '\(text)' (first at line \(earlier.key.position.line))")
                }
                stack.append(.mapping(entries: entries, pendingKey: node, tag: tag, anchor: anchor, position: position))
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?, length: Int? = nil) -> String? {
        guard let pointer else { return nil }
        var count = 0
        if let length { count = length } else { while pointer[count] != 0 { count += 1 } }
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.ScalarStyle {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }
}
