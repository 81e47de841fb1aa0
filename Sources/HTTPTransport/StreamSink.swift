import Synchronization

import struct Foundation.Data

/// Hands a streaming response to its consumer: the head once, then body chunks with back-pressure.
///
/// The loop offers chunks; past `bufferLimit` buffered bytes the transfer pauses, and it resumes
/// when the consumer has drained the buffer to half the limit.
final class StreamSink: TransferSink {
    private struct State {
        var headContinuation: CheckedContinuation<HTTPResponseHead, any Error>?
        var chunks: [Data] = []
        var firstChunk = 0
        var bufferedBytes = 0
        var paused = false
        var finished = false
        var failure: (any Error)?
        var waiter: CheckedContinuation<Data?, any Error>?
    }
    private let state: Mutex<State>
    private let bufferLimit: Int
    /// Asks the loop to resume a paused transfer.
    let resumeTransfer: @Sendable () -> Void
    /// Asks the loop to cancel the transfer.
    let cancelTransfer: @Sendable () -> Void

    init(
        bufferLimit: Int, headContinuation: CheckedContinuation<HTTPResponseHead, any Error>,
        resumeTransfer: @escaping @Sendable () -> Void, cancelTransfer: @escaping @Sendable () -> Void
    ) {
        self.bufferLimit = bufferLimit
        self.state = Mutex(State(headContinuation: headContinuation))
        self.resumeTransfer = resumeTransfer
        self.cancelTransfer = cancelTransfer
    }

    func receivedHead(_ head: HTTPResponseHead) {
        let continuation = state.withLock { state in
            defer { state.headContinuation = nil }
            return state.headContinuation
        }
        continuation?.resume(returning: head)
    }

    func receivedBody(_ chunk: UnsafeRawBufferPointer) -> BodyChunkDisposition {
        enum Outcome { case handOver(CheckedContinuation<Data?, any Error>, Data), buffered, pause }
        // One decision under one lock: a chunk is either kept or refused (and re-delivered later).
        let outcome = state.withLock { state -> Outcome in
            if let waiter = state.waiter {
                state.waiter = nil
                return .handOver(waiter, Data(chunk))
            }
            if state.bufferedBytes >= bufferLimit {
                state.paused = true
                return .pause
            }
            state.chunks.append(Data(chunk))
            state.bufferedBytes += chunk.count
            return .buffered
        }
        switch outcome {
        case .handOver(let waiter, let data):
            waiter.resume(returning: data)
            return .taken
        case .buffered:
            return .taken
        case .pause:
            return .pause
        }
    }

    func completed(with error: (any Error)?) {
        let (head, waiter) = state.withLock { state in
            state.finished = true
            state.failure = error
            defer { state.headContinuation = nil; state.waiter = nil }
            return (state.headContinuation, state.waiter)
        }
        head?.resume(throwing: error ?? HTTPError(code: .transport, message: "no response head", url: ""))
        if let waiter {
            if let error { waiter.resume(throwing: error) } else { waiter.resume(returning: nil) }
        }
    }

    /// The next body chunk, or `nil` at the end of the body.
    func next() async throws -> Data? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data?, any Error>) in
                let (outcome, shouldResume) = state.withLock { state -> (Result<Data?, any Error>?, Bool) in
                    if state.firstChunk < state.chunks.count {
                        let chunk = state.chunks[state.firstChunk]
                        // Released at once: a consumer that never quite catches up would
                        // otherwise keep every chunk it has read.
                        state.chunks[state.firstChunk] = Data()
                        state.firstChunk += 1
                        if state.firstChunk == state.chunks.count {
                            state.chunks.removeAll(keepingCapacity: true)
                            state.firstChunk = 0
                        } else if state.firstChunk >= 64, state.firstChunk * 2 >= state.chunks.count {
                            state.chunks.removeFirst(state.firstChunk)
                            state.firstChunk = 0
                        }
                        state.bufferedBytes -= chunk.count
                        let resume = state.paused && state.bufferedBytes <= bufferLimit / 2
                        if resume { state.paused = false }
                        return (.success(chunk), resume)
                    }
                    if state.finished {
                        if let failure = state.failure { return (.failure(failure), false) }
                        return (.success(nil), false)
                    }
                    state.waiter = continuation
                    let resume = state.paused
                    state.paused = false
                    return (nil, resume)
                }
                if shouldResume { resumeTransfer() }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            cancelTransfer()
        }
    }

    /// Whether the transfer has ended.
    var isFinished: Bool { state.withLock { $0.finished } }
}
