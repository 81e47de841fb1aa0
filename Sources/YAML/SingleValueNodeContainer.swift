/// Decodes scalars, resolving them as Kubernetes' YAML reader does.
struct SingleValueNodeContainer: SingleValueDecodingContainer {
    let node: YAMLNode
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { node.isNull }

    private func mismatch(_ type: Any.Type, expected: String) -> DecodingError {
        NodeDecoder(node: node, codingPath: codingPath).mismatch(type, expected: expected)
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text)? = node.resolvedScalar else { throw mismatch(type, expected: "a string") }
        return text
    }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let value)? = node.resolvedScalar else { throw mismatch(type, expected: "a boolean") }
        return value
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch node.resolvedScalar {
        case .float(let value)?: return value
        case .int(let value)?: return Double(value)
        default: throw mismatch(type, expected: "a number")
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    private func integer<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        guard case .int(let value)? = node.resolvedScalar else { throw mismatch(type, expected: "an integer") }
        guard let exact = T(exactly: value) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "\(value) does not fit in \(T.self)"))
        }
        return exact
    }

    func decode(_ type: Int.Type) throws -> Int { try integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try T(from: NodeDecoder(node: node, codingPath: codingPath))
    }
}
