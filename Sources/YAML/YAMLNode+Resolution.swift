/// What a scalar means, resolved as Kubernetes' YAML reader (YAML 1.1 rules) resolves it.
public enum YAMLResolvedScalar: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)

    /// The kind's name, for error messages.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .int: "an integer"
        case .float: "a number"
        case .string: "a string"
        }
    }
}

extension YAMLNode {
    /// The scalar's resolved value; `nil` for sequences and mappings. Quoted scalars and scalars
    /// tagged `!!str` are always strings.
    public var resolvedScalar: YAMLResolvedScalar? {
        guard case .scalar(let text, let style) = content else { return nil }
        switch tag {
        case "tag:yaml.org,2002:str"?: return .string(text)
        case "tag:yaml.org,2002:null"?: return .null
        default: break
        }
        guard style == .plain else { return .string(text) }
        return Self.resolvePlain(text)
    }

    static func resolvePlain(_ text: String) -> YAMLResolvedScalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return .bool(true)
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if let integer = resolveInteger(text) { return .int(integer) }
        if text.contains(where: { $0.isNumber }), text.allSatisfy({ "0123456789+-.eE_".contains($0) }),
            let value = Double(text.filter { $0 != "_" })
        {
            return .float(value)
        }
        return .string(text)
    }

    private static func resolveInteger(_ text: String) -> Int? {
        var digits = Substring(text.filter { $0 != "_" })
        var sign = 1
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            digits = digits.dropFirst()
        }
        // `Int(_:radix:)` would take a second sign (`--1`, `0x-1`): not an integer, and negating
        // `Int.min` traps.
        guard !digits.isEmpty, !digits.contains(where: { $0 == "-" || $0 == "+" }) else { return nil }
        let value: Int?
        if digits.hasPrefix("0x") {
            value = Int(digits.dropFirst(2), radix: 16)
        } else if digits.hasPrefix("0o") {
            value = Int(digits.dropFirst(2), radix: 8)
        } else if digits.hasPrefix("0b") {
            value = Int(digits.dropFirst(2), radix: 2)
        } else if digits.count > 1, digits.hasPrefix("0") {
            value = Int(digits.dropFirst(), radix: 8)
        } else {
            value = digits.allSatisfy { $0.isASCII } ? Int(digits) : nil
        }
        return value.map { $0 * sign }
    }
}
