import Testing
import YAML

struct YAMLMalformedInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let text: String
        let line: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "tab indentation", text: "a: 1\nb:\n\tc: 2\n", line: 3),
        Case(name: "unclosed flow mapping", text: "a: 1\nb: {c: 2\n", line: 3),
        Case(name: "unclosed flow sequence", text: "items: [1, 2\nnext: 3\n", line: 2),
        Case(name: "unclosed double quote", text: "a: 1\nb: \"open\nc: 3\n", line: 4),
        Case(name: "unclosed single quote", text: "a: 'open\n", line: 2),
        Case(name: "bad indentation of a mapping", text: "metadata:\n  name: x\n   namespace: y\n", line: 3),
        Case(name: "mapping value where none is allowed", text: "key: value: other\n", line: 1),
        Case(name: "sequence item inside a mapping", text: "a: 1\n- b\n", line: 2),
        Case(name: "unknown alias", text: "a: *missing\n", line: 1),
        Case(name: "duplicate key", text: "spec:\n  userId: a\n  type: weather\n  userId: b\n", line: 4),
        Case(name: "unknown escape in double quotes", text: "a: ok\nb: \"bad \\q escape\"\n", line: 2),
        Case(name: "block scalar with bad indentation", text: "a: |\n    one\n  two\nb: 1\n", line: 3),
        Case(name: "undefined tag handle", text: "a: 1\nb: !x!tag value\n", line: 2),
        Case(name: "text after a quoted scalar", text: "a: 1\nb: 'quoted' junk\n", line: 2),
    ]

    @Test(arguments: cases)
    func malformedInputReportsItsLine(_ input: Case) throws {
        let error = #expect(throws: YAMLError.self) { try YAMLParser.parseDocuments(input.text, file: "bad.yaml") }
        #expect(error?.line == input.line, "\(error?.description ?? "no error")")
        #expect(error?.description.hasPrefix("bad.yaml:\(input.line):") == true)
    }
}
