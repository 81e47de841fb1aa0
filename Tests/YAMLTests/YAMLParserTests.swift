import Foundation
import Testing
import YAML

struct YAMLParserTests {
    @Test func scalarsKeepTheirLineAndColumn() throws {
        let root = try YAMLParser.parse(
            """
            apiVersion: v1
            metadata:
              name: demo
              labels: {app: web}
            """, file: "a.yaml")
        #expect(root["apiVersion"]?.scalar == "v1")
        #expect(root["apiVersion"]?.position == YAMLPosition(line: 1, column: 13))
        #expect(root["metadata"]?["name"]?.position == YAMLPosition(line: 3, column: 9))
        #expect(root["metadata"]?["labels"]?["app"]?.scalar == "web")
    }

    @Test func multipleDocumentsParseInOrder() throws {
        let documents = try YAMLParser.parseDocuments(
            """
            kind: Secret
            ---
            kind: UserIntegration
            ---
            # only a comment
            ---
            - a
            - b
            """)
        #expect(documents.count == 4)
        #expect(documents[0]["kind"]?.scalar == "Secret")
        #expect(documents[1]["kind"]?.scalar == "UserIntegration")
        #expect(documents[1].position.line == 3)
        #expect(documents[2].isNull)
        #expect(documents[3].sequence?.compactMap(\.scalar) == ["a", "b"])
    }

    @Test func emptyStreamHasNoDocuments() throws {
        #expect(try YAMLParser.parseDocuments("").isEmpty)
        #expect(try YAMLParser.parseDocuments("# nothing\n").isEmpty)
    }

    @Test func scalarStylesAndTagsAreKept() throws {
        let root = try YAMLParser.parse(
            """
            plain: 123
            quoted: "123"
            single: '123'
            tagged: !!str 123
            literal: |
              line one
              line two
            folded: >
              folded
              text
            """)
        #expect(root["plain"]?.resolvedScalar == .int(123))
        #expect(root["quoted"]?.resolvedScalar == .string("123"))
        #expect(root["single"]?.resolvedScalar == .string("123"))
        #expect(root["tagged"]?.resolvedScalar == .string("123"))
        #expect(root["tagged"]?.tag == "tag:yaml.org,2002:str")
        #expect(root["literal"]?.scalar == "line one\nline two\n")
        #expect(root["folded"]?.scalar == "folded text")
    }

    @Test(arguments: [
        ("true", YAMLResolvedScalar.bool(true)), ("yes", .bool(true)), ("Off", .bool(false)),
        ("~", .null), ("null", .null), ("", .null), ("0x1F", .int(31)), ("-42", .int(-42)), ("1_000", .int(1000)),
        ("0o17", .int(15)), ("3.5", .float(3.5)), ("1e3", .float(1000)), (".inf", .float(.infinity)),
        ("user-123", .string("user-123")), ("2026-12-28T00:00:00Z", .string("2026-12-28T00:00:00Z")),
    ])
    func plainScalarsResolveLikeKubernetes(text: String, expected: YAMLResolvedScalar) throws {
        let root = try YAMLParser.parse("value: \(text)")
        #expect(root["value"]?.resolvedScalar == expected)
    }

    /// Found by fuzz-yaml: the first three crashed negating `Int.min`; the last two read as -5 and -1.
    @Test(arguments: ["--9223372036854775808", "-0x-8000000000000000", "-0-1000000000000000000000", "0x-5", "+-1"])
    func aSecondSignIsNotAnInteger(text: String) throws {
        let root = try YAMLParser.parse("value: \(text)")
        #expect(root["value"]?.resolvedScalar == .string(text))
    }

    @Test func anchorsAndAliasesResolve() throws {
        let root = try YAMLParser.parse(
            """
            base: &base {a: 1, b: 2}
            copy: *base
            """)
        #expect(root["copy"]?["b"]?.resolvedScalar == .int(2))
        #expect(root["copy"]?.position.line == 2)
    }
}

struct YAMLJSONTests {
    @Test func manifestsConvertToJSONWithResolvedScalars() throws {
        let root = try YAMLParser.parse(
            """
            metadata: {name: x, labels: {tier: "1"}}
            spec: {replicas: 3, enabled: true, ratio: 0.5, note: ~, items: [a, 2]}
            """)
        let json = try #require(try root.jsonValue() as? [String: Any])
        let spec = try #require(json["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 3)
        #expect(spec["enabled"] as? Bool == true)
        #expect(spec["ratio"] as? Double == 0.5)
        #expect(spec["note"] is NSNull)
        #expect(((json["metadata"] as? [String: Any])?["labels"] as? [String: Any])?["tier"] as? String == "1")
        #expect(String(decoding: try root["spec"]!["items"]!.jsonData(), as: UTF8.self) == #"["a",2]"#)
    }
}
