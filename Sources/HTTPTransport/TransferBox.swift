import Synchronization

/// Links a caller's task to its transfer, so cancellation that races with start-up is not lost.
final class TransferBox: Sendable {
    private let state = Mutex<(transfer: CurlTransfer?, cancelled: Bool)>((nil, false))

    /// Records the transfer; returns `false` when the task was cancelled first.
    func attach(_ transfer: CurlTransfer) -> Bool {
        state.withLock { state in
            guard !state.cancelled else { return false }
            state.transfer = transfer
            return true
        }
    }

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func cancel(on loop: CurlMultiLoop) {
        let transfer = state.withLock { state in
            state.cancelled = true
            return state.transfer
        }
        if let transfer { loop.submit(.cancel(transfer, CancellationError())) }
    }

    func resume(on loop: CurlMultiLoop) {
        if let transfer = state.withLock({ $0.transfer }) { loop.submit(.resume(transfer)) }
    }
}

/// Carries the sink created inside a continuation closure out to the caller.
final class SinkBox: @unchecked Sendable {
    // Written once inside the continuation's closure, read after it resumes: ordered by the resume.
    var sink: StreamSink?
}
