import Synchronization

import struct Foundation.Data

/// Collects a whole response and resumes its caller once, at completion.
final class BufferedSink: TransferSink {
    private struct State {
        var head: HTTPResponseHead?
        var body = Data()
        var continuation: CheckedContinuation<HTTPResponse, any Error>?
    }
    private let state: Mutex<State>

    init(continuation: CheckedContinuation<HTTPResponse, any Error>) {
        self.state = Mutex(State(continuation: continuation))
    }

    func receivedHead(_ head: HTTPResponseHead) {
        state.withLock { $0.head = head }
    }

    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> Bool {
        state.withLock { $0.body.append(contentsOf: chunk) }
        return true
    }

    func completed(with error: (any Error)?) {
        let (continuation, result) = state.withLock {
            state -> (CheckedContinuation<HTTPResponse, any Error>?, Result<HTTPResponse, any Error>) in
            let continuation = state.continuation
            state.continuation = nil
            if let error { return (continuation, .failure(error)) }
            let head = state.head ?? HTTPResponseHead(status: 0, headers: [:], version: "1.1")
            return (continuation, .success(HTTPResponse(head: head, body: state.body)))
        }
        continuation?.resume(with: result)
    }
}
