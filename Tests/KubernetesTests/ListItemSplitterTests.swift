import Foundation
import Testing

@testable import Kubernetes

/// Splitting a list response into items as bytes arrive, whatever the chunk boundaries.
struct ListItemSplitterTests {
    static let list =
        #"{"apiVersion":"v1","items":[{"metadata":{"name":"a","annotations":{"x":"}]\"{["}},"spec":[1,[2]]},{"metadata":{"name":"b"}}],"kind":"List","metadata":{"resourceVersion":"42","continue":""}}"#

    static func split(_ text: String, chunkSize: Int) -> (items: [String], envelope: String) {
        var splitter = ListItemSplitter()
        var items: [String] = []
        let bytes = Array(text.utf8)
        for start in stride(from: 0, to: bytes.count, by: chunkSize) {
            items += splitter.feed(Data(bytes[start..<min(start + chunkSize, bytes.count)])).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        return (items, String(decoding: splitter.envelope, as: UTF8.self))
    }

    @Test(arguments: [1, 2, 3, 7, 64, 4096])
    func itemsAndEnvelopeSurviveAnyChunking(chunkSize: Int) throws {
        let (items, envelope) = Self.split(Self.list, chunkSize: chunkSize)
        #expect(
            items == [
                #"{"metadata":{"name":"a","annotations":{"x":"}]\"{["}},"spec":[1,[2]]}"#,
                #"{"metadata":{"name":"b"}}"#,
            ])
        #expect(
            envelope
                == #"{"apiVersion":"v1","items":[],"kind":"List","metadata":{"resourceVersion":"42","continue":""}}"#)
        let decoded = try JSONSerialization.jsonObject(with: Data(envelope.utf8)) as? [String: Any]
        #expect((decoded?["metadata"] as? [String: Any])?["resourceVersion"] as? String == "42")
    }

    @Test func metadataBeforeItemsAndAStringValuedItemsFieldAreHandled() {
        let text =
            #"{"kind":"PartialObjectMetadataList","note":"items","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"s"}}]}"#
        let (items, envelope) = Self.split(text, chunkSize: 5)
        #expect(items == [#"{"metadata":{"name":"s"}}"#])
        #expect(
            envelope
                == #"{"kind":"PartialObjectMetadataList","note":"items","metadata":{"resourceVersion":"7"},"items":[]}"#
        )
    }

    @Test(arguments: [1, 5, 64])
    func managedFieldsAreEmptiedAndNothingElse(chunkSize: Int) throws {
        let text =
            #"{"items":[{"metadata":{"name":"a","managedFields":[{"manager":"x","fieldsV1":{"f:status":{".":{}}}},{"manager":"]["}],"uid":"u"},"spec":{"managedFields":[1]}}],"metadata":{}}"#
        let (items, _) = Self.split(text, chunkSize: chunkSize)
        #expect(items == [#"{"metadata":{"name":"a","managedFields":[],"uid":"u"},"spec":{"managedFields":[1]}}"#])
        _ = try JSONSerialization.jsonObject(with: Data(items[0].utf8))
    }

    @Test func anEmptyOrNullItemsListGivesNoItems() {
        #expect(Self.split(#"{"items":[],"metadata":{}}"#, chunkSize: 3).items.isEmpty)
        let null = Self.split(#"{"items":null,"metadata":{"resourceVersion":"1"}}"#, chunkSize: 4)
        #expect(null.items.isEmpty)
        #expect(null.envelope == #"{"items":null,"metadata":{"resourceVersion":"1"}}"#)
    }
}
