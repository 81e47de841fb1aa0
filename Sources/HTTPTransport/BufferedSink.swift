import Synchronization

import struct Foundation.Data

/// Collects a whole response, at most `limit` bytes of body (as delivered: decompressed), and
/// resumes its caller once, at completion.
final class BufferedSink: TransferSink {
    private struct State {
        var head: HTTPResponseHead?
        var body = Data()
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
        var exceeded = false
    }
    private let state: Mutex<State>
    private let limit: Int
    private let url: String

    init(continuation: CheckedContinuation<HTTPResponse, any Error>, limit: Int, url: String) {
        self.state = Mutex(State(continuation: continuation))
        self.limit = limit
        self.url = url
    }

    func receivedHead(_ head: HTTPResponseHead) {
        state.withLock { $0.head = head }
    }

    /// Aborts the transfer once the body would pass the limit.
    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> BodyChunkDisposition {
        state.withLock { state in
            guard state.body.count + chunk.count <= limit else {
                state.exceeded = true
                return .abort
            }
            state.body.append(contentsOf: chunk)
            return .taken
        }
    }

    func completed(with error: (any Error)?) {
        let (continuation, result) = state.withLock {
            state -> (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) in
            let continuation = state.continuation
            state.continuation = nil
            if state.exceeded {
                let message = "the response body exceeds the client's limit of \(limit) bytes"
                return (continuation, .failure(HTTPError(code: .responseTooLarge, message: message, url: url)))
            }
            if let error { return (continuation, .failure(error)) }
            let head = state.head ?? HTTPResponseHead(status: 0, headers: [:], version: "1.1")
            return (continuation, .success(HTTPResponse(head: head, body: state.body)))
        }
        continuation?.resume(with: result)
    }
}
