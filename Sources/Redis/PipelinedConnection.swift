import CHiredis
import DequeModule
import Foundation
import Synchronization

/// A connection in non-blocking mode shared by any number of callers: each caller's commands are
/// written at once, behind those already in flight (pipelining), and the replies are handed to each
/// caller in order.
///
/// Replies are read by the event loop's thread, except for a caller alone on the client: it waits
/// for its reply on its own thread for up to `inlineReplyWait` (one wake-up instead of two, as a
/// plain blocking client has), then hands the connection over to the event loop.
///
/// `@unchecked Sendable`: the hiredis context inside `connection` is only touched while `state`
/// is locked.
final class PipelinedConnection: @unchecked Sendable {
    /// One caller's commands whose replies have not all arrived.
    struct Pending {
        let expected: Int
        var replies: [RedisValue] = []
        let deadline: ContinuousClock.Instant
        /// `nil` while the caller waits on its own thread.
        var continuation: CheckedContinuation<[RedisValue], any Error>?
    }

    struct State {
        var pending: Deque<Pending> = []
        /// Commands hiredis holds that the socket did not take yet.
        var unwritten = false
        /// A caller reads the replies on its own thread; the event loop leaves the socket alone.
        var callerReads = false
        /// The event loop's current poll includes the socket (as of its last `interest()`).
        var loopWatches = false
        /// Why the connection is unusable; set once, for good.
        var failure: RedisError?
        /// Whether a reply has arrived on it (a connection idle since may have gone stale).
        var answered = false
    }

    private let connection: RedisConnection
    private let loop: RedisEventLoop
    private let state = Mutex(State())
    let fd: Int32

    /// Takes over a connected, authenticated connection and puts it in non-blocking mode.
    init(_ connection: RedisConnection, loop: RedisEventLoop) {
        connection.makeNonBlocking()
        self.connection = connection
        self.loop = loop
        fd = connection.fileDescriptor
    }

    /// The callers in flight (how loaded the connection is), or `nil` once it has failed.
    var load: Int? { state.withLock { $0.failure == nil ? $0.pending.count : nil } }

    var isFailed: Bool { failure != nil }

    private var failure: RedisError? { state.withLock { $0.failure } }

    var hasAnswered: Bool { state.withLock { $0.answered } }

    /// Writes `commands` behind those in flight and returns their replies.
    /// - Parameter inlineWait: how long the caller may wait on its own thread when the connection
    ///   is idle; `.zero` leaves the reading to the event loop.
    func send(_ commands: [RedisCommand], timeout: Duration, inlineWait: Duration) async throws -> [RedisValue] {
        let deadline = ContinuousClock.now + timeout
        if inlineWait > .zero {
            switch try sendAndWaitHere(commands, deadline: deadline, for: inlineWait) {
            case .replies(let replies): return replies
            case .stillWaiting: return try await handOverToLoop()
            case .busy: break
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            let (failed, needsWake) = state.withLock { state -> ([Pending], Bool) in
                state.pending.append(Pending(expected: commands.count, deadline: deadline, continuation: continuation))
                if let failure = state.failure { return (fail(&state, failure), false) }
                guard connection.append(commands) else { return (fail(&state, connection.error()), false) }
                guard let done = connection.flush() else { return (fail(&state, connection.error()), false) }
                state.unwritten = !done
                // The loop left the socket out while a caller read it, or must wait to write the rest.
                return ([], !done || !state.loopWatches)
            }
            resume(failed)
            loop.workStarted(needsWake: needsWake)
        }
    }

    /// How long a lone caller checks for its reply without sleeping (yielding the core between
    /// checks): a nearby Redis often answers within it, and a sleeping thread takes several
    /// microseconds more to wake.
    static let spin = Duration.microseconds(25)

    private enum InlineOutcome {
        case replies([RedisValue])
        /// The commands are in flight as the first on the connection, and this caller still reads.
        case stillWaiting
        /// Others are in flight: the caller waits for the event loop.
        case busy
    }

    /// On an idle connection: writes `commands` and waits for their replies on this thread, for
    /// at most `wait`.
    private func sendAndWaitHere(_ commands: [RedisCommand], deadline: ContinuousClock.Instant, for wait: Duration) throws -> InlineOutcome {
        let started = try state.withLock { state throws(RedisError) -> Bool in
            if let failure = state.failure { throw failure }
            guard state.pending.isEmpty, !state.callerReads else { return false }
            guard connection.append(commands), let done = connection.flush() else {
                _ = fail(&state, connection.error())
                throw connection.error()
            }
            state.unwritten = !done
            state.callerReads = true
            state.pending.append(Pending(expected: commands.count, deadline: deadline))
            return true
        }
        guard started else { return .busy }
        let now = ContinuousClock.now
        let end = min(now + wait, deadline)
        let spinEnd = now + Self.spin
        while true {
            let current = ContinuousClock.now
            let left = current.duration(to: end)
            guard left > .zero else { return .stillWaiting }
            let unwritten = state.withLock { $0.unwritten }
            var descriptor = pollfd(fd: fd, events: Int16(unwritten ? POLLIN | POLLOUT : POLLIN), revents: 0)
            let spinning = current < spinEnd
            guard poll(&descriptor, 1, spinning ? 0 : Int32(clamping: left.milliseconds + 1)) > 0 else {
                // Spinning gives way to any thread that wants this core (Redis itself, on a small machine).
                if spinning { sched_yield() }
                continue
            }
            if descriptor.revents & Int16(POLLOUT) != 0 { socketWritable() }
            let (completed, failed, handOff) = state.withLock { state -> ([Pending], [Pending], Bool) in
                let (completed, failed) = readReplies(&state)
                if !completed.isEmpty { state.callerReads = false }
                return (completed, failed, !state.pending.isEmpty)
            }
            // This caller's entry is the first to complete, or among the failed.
            completed.dropFirst().forEach { $0.continuation?.resume(returning: $0.replies) }
            resume(failed)
            if let mine = completed.first {
                if handOff { loop.wake() }
                return .replies(mine.replies)
            }
            if let failure { throw failure }
        }
    }

    /// The caller waited long enough on its thread: the event loop reads its replies from here on.
    private func handOverToLoop() async throws -> [RedisValue] {
        try await withCheckedThrowingContinuation { continuation in
            let failure = state.withLock { state -> RedisError? in
                state.callerReads = false
                if let failure = state.failure { return failure }
                state.pending[0].continuation = continuation
                return nil
            }
            if let failure { continuation.resume(throwing: failure) }
            loop.wake()
        }
    }

    /// What the event loop polls for, and the earliest reply deadline.
    func interest() -> (reads: Bool, writes: Bool, deadline: ContinuousClock.Instant?) {
        state.withLock { state in
            state.loopWatches = !state.callerReads
            return (state.loopWatches, state.unwritten, state.pending.first?.deadline)
        }
    }

    /// The socket can take more: writes what hiredis still holds.
    func socketWritable() {
        let failed = state.withLock { state -> [Pending] in
            guard state.failure == nil else { return [] }
            guard let done = connection.flush() else { return fail(&state, connection.error()) }
            state.unwritten = !done
            return []
        }
        resume(failed)
    }

    /// The socket has data or an error: reads and completes every caller whose replies are all in
    /// (on the event loop's thread, unless a caller reads on its own).
    func socketReadable() {
        let (completed, failed) = state.withLock { state -> ([Pending], [Pending]) in
            state.callerReads ? ([], []) : readReplies(&state)
        }
        completed.forEach { $0.continuation?.resume(returning: $0.replies) }
        resume(failed)
    }

    /// Reads what the socket holds: the callers whose replies are now all in, and those failed
    /// because the connection broke. Replies nobody asked for break the protocol too.
    private func readReplies(_ state: inout State) -> (completed: [Pending], failed: [Pending]) {
        if let failure = state.failure { return ([], fail(&state, failure)) }
        guard connection.readAvailable() else { return ([], fail(&state, connection.error())) }
        var completed: [Pending] = []
        while true {
            let reply: RedisValue?
            do throws(RedisError) {
                reply = try connection.nextBufferedReply()
            } catch {
                return (completed, fail(&state, error))
            }
            guard let reply else { return (completed, []) }
            guard !state.pending.isEmpty else {
                return (completed, fail(&state, RedisError(code: .unexpectedReply, message: "a reply arrived that no command asked for")))
            }
            state.answered = true
            state.pending[0].replies.append(reply)
            if state.pending[0].replies.count == state.pending[0].expected { completed.append(state.pending.removeFirst()) }
        }
    }

    /// Fails the connection when its oldest caller has waited past its deadline: the replies still
    /// to come cannot be told apart from later ones, so nobody can use it any more.
    func expire(now: ContinuousClock.Instant) {
        let failed = state.withLock { state -> [Pending] in
            guard state.failure == nil, let first = state.pending.first, first.deadline <= now else { return [] }
            return fail(&state, RedisError(code: .timedOut, message: "no reply within the command timeout"))
        }
        resume(failed)
    }

    /// Fails every caller in flight and every later one with `error`.
    func fail(with error: RedisError) {
        let failed = state.withLock { fail(&$0, error) }
        resume(failed)
    }

    private func fail(_ state: inout State, _ error: RedisError) -> [Pending] {
        if state.failure == nil { state.failure = error }
        defer { state.pending.removeAll() }
        return Array(state.pending)
    }

    /// Fails `failed` with the connection's failure. A caller waiting on its own thread finds it there.
    private func resume(_ failed: [Pending]) {
        guard !failed.isEmpty else { return }
        let error = failure ?? RedisError(code: .connectionLost, message: "connection lost")
        failed.forEach { $0.continuation?.resume(throwing: error) }
    }
}
