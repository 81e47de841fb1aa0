import Foundation
import JSONReading
import Testing

struct JSONReaderTests {
    @Test(arguments: [
        #""plain""#, #""quote \" backslash \\ slash \/ controls \b\f\n\r\t""#, #""\u00e9t\u00E9 and \ud83d\ude00""#,
        "\"raw UTF-8: été 😀 中文\"", #""""#, #""\u0000 nul""#,
    ])
    func stringsReadAsFoundationReadsThem(json: String) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? String
        #expect(try JSONReader.read(Data(json.utf8)) { try $0.readString() } == expected)
    }

    @Test(arguments: ["0", "-0", "12", "-3.25", "1e3", "2.5E-2", "1E+2", "1700000000"])
    func numbersReadAsFoundationReadsThem(json: String) throws {
        let expected = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed) as? NSNumber
        #expect(try JSONReader.read(Data(json.utf8)) { try $0.readDouble() } == expected?.doubleValue)
    }
}

struct JSONReaderTypedValueTests {
    @Test(arguments: [("0", 0), ("-0", 0), ("7", 7), ("-42", -42), ("9223372036854775807", Int.max)])
    func integersRead(json: String, expected: Int) throws {
        #expect(try JSONReader.read(Data(json.utf8)) { try $0.readInt() } == expected)
    }

    @Test(arguments: ["1.5", "1e3", "01", "-", "", "\"3\"", "9223372036854775808", "true"])
    func whatIsNotAnIntegerThrows(json: String) {
        #expect(throws: JSONReader.Malformed.self) { try JSONReader.read(Data(json.utf8)) { try $0.readInt() } }
    }

    @Test func stringMapsArraysAndRawValuesRead() throws {
        #expect(
            try JSONReader.read(Data(#"{"a":"1","b\n":"\u00e9"}"#.utf8)) { try $0.readStringMap() } == [
                "a": "1", "b\n": "é",
            ])
        #expect(try JSONReader.read(Data(#" [ "x" , "y" ] "#.utf8)) { try $0.readStringArray() } == ["x", "y"])
        enum Policy: String { case delete = "Delete" }
        #expect(try JSONReader.read(Data(#""Delete""#.utf8)) { try $0.readRawValue(Policy.self) } == .delete)
        #expect(throws: JSONReader.Malformed.self) {
            try JSONReader.read(Data(#""Keep""#.utf8)) { try $0.readRawValue(Policy.self) }
        }
        #expect(throws: JSONReader.Malformed.self) {
            try JSONReader.read(Data(#"{"a":1}"#.utf8)) { try $0.readStringMap() }
        }
    }

    @Test func aMissingRequiredKeyIsNamed() {
        let error = #expect(throws: JSONReader.MissingKey.self) { try JSONReader.required(String?.none, "userId") }
        #expect(error?.description.contains("userId") == true)
    }
}

struct JSONReaderDepthTests {
    /// A hostile peer's `[[[[…` (or `{"a":{"a":…`) is refused with `TooDeep`, not a stack overflow.
    @Test(arguments: [("[", "]"), (#"{"a":"#, "}")])
    func nestingPastTheLimitIsRefused(open: String, close: String) throws {
        func nested(_ depth: Int) -> Data {
            Data((String(repeating: open, count: depth) + "1" + String(repeating: close, count: depth)).utf8)
        }
        try JSONReader.read(nested(JSONReader.maxDepth)) { try $0.skipValue() }
        #expect(throws: JSONReader.TooDeep.self) {
            try JSONReader.read(nested(JSONReader.maxDepth + 1)) { try $0.skipValue() }
        }
        #expect(throws: JSONReader.TooDeep.self) {
            try JSONReader.read(Data(String(repeating: open, count: 1_000_000).utf8)) { try $0.skipValue() }
        }
    }

    @Test func theDepthIsCountedPerValueNotPerDocument() throws {
        let wide = "[" + Array(repeating: "[[[1]]]", count: 10_000).joined(separator: ",") + "]"
        try JSONReader.read(Data(wide.utf8)) { try $0.skipValue() }
    }
}
