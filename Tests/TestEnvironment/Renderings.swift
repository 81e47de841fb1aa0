/// Every way a value can be turned into text: `description`, `debugDescription`, interpolation,
/// and `dump` (which walks `Mirror` children, nested ones included). A test of redaction looks for
/// a marker in all of them.
public func everyRendering(of value: Any) -> [String] {
    var dumped = ""
    dump(value, to: &dumped, maxDepth: 20)
    return [String(describing: value), String(reflecting: value), "\(value)", dumped]
}
