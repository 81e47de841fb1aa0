public import struct Foundation.Data

/// The body of a streaming response: chunks as they arrive, with back-pressure.
///
/// The transfer pauses while the consumer is behind, and is cancelled when every copy of the body
/// and its iterators is gone or the consuming task is cancelled.
public struct HTTPBody: AsyncSequence, Sendable {
    public typealias Element = Data

    final class Consumer: Sendable {
        let sink: StreamSink
        init(sink: StreamSink) { self.sink = sink }
        deinit {
            if !sink.isFinished { sink.cancelTransfer() }
        }
    }

    let consumer: Consumer

    public struct AsyncIterator: AsyncIteratorProtocol {
        let consumer: Consumer
        public mutating func next() async throws -> Data? {
            try await consumer.sink.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(consumer: consumer)
    }

    /// The body split into lines (without their `\n` or `\r\n`); a last line without a newline
    /// is delivered too. Kubernetes watches send one JSON event per line. A line longer than
    /// `maxLineBytes` throws `HTTPError.Code.responseTooLarge`.
    public var lines: HTTPLineSequence { lines(maxLineBytes: HTTPLineSequence.defaultMaxLineBytes) }

    public func lines(maxLineBytes: Int) -> HTTPLineSequence {
        HTTPLineSequence(body: self, maxLineBytes: maxLineBytes)
    }

    /// Stops the transfer; iteration then ends with a `CancellationError`.
    public func cancel() {
        consumer.sink.cancelTransfer()
    }
}

/// Lines of an `HTTPBody`.
public struct HTTPLineSequence: AsyncSequence, Sendable {
    public typealias Element = Data
    /// 16 MiB: ten times the largest object etcd stores by default.
    public static let defaultMaxLineBytes = 16 << 20
    let body: HTTPBody
    let maxLineBytes: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPBody.AsyncIterator
        let maxLineBytes: Int
        var buffer = Data()
        var searchFrom = 0
        var ended = false

        public mutating func next() async throws -> Data? {
            while true {
                if let newline = buffer[(buffer.startIndex + searchFrom)...].firstIndex(of: UInt8(ascii: "\n")) {
                    var line = buffer[buffer.startIndex..<newline]
                    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                    buffer = Data(buffer[(newline + 1)...])
                    searchFrom = 0
                    return Data(line)
                }
                searchFrom = buffer.count
                guard buffer.count <= maxLineBytes else {
                    chunks.consumer.sink.cancelTransfer()
                    throw HTTPError(
                        code: .responseTooLarge, message: "a line exceeds the limit of \(maxLineBytes) bytes", url: "")
                }
                if ended {
                    guard !buffer.isEmpty else { return nil }
                    defer { buffer = Data() }
                    return buffer
                }
                if let chunk = try await chunks.next() {
                    buffer.append(chunk)
                } else {
                    ended = true
                }
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(chunks: body.makeAsyncIterator(), maxLineBytes: maxLineBytes)
    }
}
