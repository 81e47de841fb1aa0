/// The request line of an HTTP/1.x request head, as `EndpointServer` reads it.
package struct EndpointRequest: Equatable {
    package var method: String
    /// The target's path, without its query.
    package var path: String

    /// Parses `head` (the bytes before the blank line); `nil` unless its first line is
    /// `METHOD /path HTTP/1.x`.
    package init?(head: [UInt8]) {
        let line = head.prefix { $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty,
            parts[0].allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }),
            parts[1].first == UInt8(ascii: "/"), parts[2].starts(with: "HTTP/1.".utf8)
        else { return nil }
        method = String(decoding: parts[0], as: UTF8.self)
        path = String(decoding: parts[1].prefix { $0 != UInt8(ascii: "?") }, as: UTF8.self)
    }

    /// Where the head ends in `bytes` (before its blank line, `\r\n\r\n` or a bare `\n\n`), if it has.
    package static func endOfHead(in bytes: [UInt8]) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                if bytes[index + 1] == UInt8(ascii: "\n") { return index }
                if bytes[index + 1] == UInt8(ascii: "\r"), index + 2 < bytes.count,
                    bytes[index + 2] == UInt8(ascii: "\n")
                {
                    return index
                }
            }
            index += 1
        }
        return nil
    }
}
