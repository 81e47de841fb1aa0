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
    /// is delivered too. Kubernetes watches send one JSON event per line.
    public var lines: HTTPLineSequence { HTTPLineSequence(body: self) }

    /// Stops the transfer; iteration then ends with a `CancellationError`.
    public func cancel() {
        consumer.sink.cancelTransfer()
    }
}

/// Lines of an `HTTPBody`.
public struct HTTPLineSequence: AsyncSequence, Sendable {
    public typealias Element = Data
    let body: HTTPBody

    public struct AsyncIterator: AsyncIteratorProtocol {
        var chunks: HTTPBody.AsyncIterator
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
        AsyncIterator(chunks: body.makeAsyncIterator())
    }
}
