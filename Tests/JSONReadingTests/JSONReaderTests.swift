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

    /// Found probing fuzz-json past its input size: 100,000 nested arrays overflowed the stack.
    @Test(arguments: [(512, true), (513, false), (100_000, false)])
    func valuesNestedPast512LevelsAreMalformed(levels: Int, skips: Bool) {
        let json = Data((String(repeating: "[", count: levels) + "1" + String(repeating: "]", count: levels)).utf8)
        let skipped = (try? JSONReader.read(json) { try $0.skipValue() }) != nil
        #expect(skipped == skips)
    }

    @Test func aMissingRequiredKeyIsNamed() {
        let error = #expect(throws: JSONReader.MissingKey.self) { try JSONReader.required(String?.none, "userId") }
        #expect(error?.description.contains("userId") == true)
    }
}
