import Foundation
import JSONReading
import Testing

struct JSONWriterTests {
    @Test(arguments: [
        "plain", "quote \" backslash \\ slash /", "controls \u{8}\u{C}\n\r\t and \u{0} \u{1F}", "été 😀 中文", "",
        "{\"json\":[1]}\n",
    ])
    func stringsReadBackAsWritten(text: String) throws {
        var writer = JSONWriter()
        writer.string(text)
        let parsed = try JSONSerialization.jsonObject(with: writer.data, options: .fragmentsAllowed) as? String
        #expect(parsed == text)
        #expect(try JSONReader.read(writer.data) { try $0.readString() } == text)
        // No raw control character reaches the text.
        #expect(!writer.bytes.contains { $0 < 0x20 })
    }

    @Test func nestedValuesGetTheirCommasAndNothingElse() throws {
        var writer = JSONWriter()
        writer.object { root in
            root.key("empty")
            root.object { _ in }
            root.key("list")
            root.array { list in
                list.int(-3)
                list.bool(true)
                list.null()
                list.array { _ in }
                list.object { $0.member("a", "b") }
            }
            root.member("absent", nil as String?)
            root.member("count", 7)
            root.key("tags")
            root.stringMap(["z": "1", "a": "2"])
        }
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == #"{"empty":{},"list":[-3,true,null,[],{"a":"b"}],"count":7,"tags":{"a":"2","z":"1"}}"#)
        #expect(try JSONSerialization.jsonObject(with: writer.data) is [String: Any])
    }
}
