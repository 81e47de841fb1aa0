import Foundation
import FuzzSupport

@testable import Redis

let configuration = RedisClient.Configuration()

/// The replies in `data` fed `chunkSize` bytes at a time, and whether the reader then refused the rest.
func replies(in data: Data, chunkSize: Int) -> (values: [RedisValue], refused: Bool) {
    let reader = try! ReplyReader(maxBytes: configuration.maxReplyBytes, maxDepth: configuration.maxReplyDepth)
    var values: [RedisValue] = []
    do {
        for start in stride(from: 0, to: data.count, by: chunkSize) {
            try data[start..<min(start + chunkSize, data.count)].withUnsafeBytes { bytes in
                try reader.feed(bytes)
            }
            while let value = try reader.nextReply() { values.append(value) }
        }
    } catch {
        return (values, true)
    }
    return (values, false)
}

/// Replies as a connection reads them from its socket: every reply in the bytes, received at once
/// and then one byte at a time (the same replies, and a refusal in both or neither: which error
/// may differ, as a length too large is seen before its header ends), then what the client makes
/// of them (a cluster slot map, a redirection, an invalidation message).
fuzz { data in
    let whole = replies(in: data, chunkSize: max(data.count, 1))
    let bytewise = replies(in: data, chunkSize: 1)
    precondition(whole == bytewise, "chunking changed the replies")
    for value in whole.values {
        _ = try? ClusterTopology(clusterSlots: value, askedNode: .init(host: "127.0.0.1", port: 6379))
        _ = ClusterRedirection(value)
        _ = RedisKeyInvalidations.notification(from: value)
    }
}
