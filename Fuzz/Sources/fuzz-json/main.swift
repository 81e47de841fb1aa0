import Foundation
import FuzzSupport
import JSONReading
import UserIntegrationReconciler

@testable import Kubernetes

func split(_ data: Data, chunkSize: Int) -> (items: [Data], envelope: Data) {
    var splitter = ListItemSplitter()
    var items: [Data] = []
    for start in stride(from: 0, to: data.count, by: chunkSize) {
        items += splitter.feed(data[start..<min(start + chunkSize, data.count)])
    }
    return (items, splitter.envelope)
}

/// `JSONReader` on any bytes, then as the informer meets JSON: a paged list, watch events of both
/// kinds it watches, and a streamed list split into items (whole, then byte by byte).
fuzz { data in
    // Skipping a value and setting its bytes aside agree, and what was set aside reads again.
    let skipped = (try? JSONReader.read(data) { try $0.skipValue() }) != nil
    let value = try? JSONReader.read(data) { try $0.readValueBytes() }
    precondition(skipped == (value != nil), "skipValue and readValueBytes disagree")
    if let value { precondition((try? JSONReader.read(value) { try $0.skipValue() }) != nil, "set-aside bytes") }

    _ = try? ObjectList<UserIntegration>(json: data)
    _ = try? WatchEvent<UserIntegration>.read(data)
    _ = try? WatchEvent<PartialObjectMetadata>.read(data)

    let whole = split(data, chunkSize: max(data.count, 1))
    precondition(whole == split(data, chunkSize: 1), "the list splits differently byte by byte")
    for item in whole.items { _ = try? UserIntegration(json: item) }
}
