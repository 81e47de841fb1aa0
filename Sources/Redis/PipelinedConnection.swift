import CHiredis
import DequeModule
import DurationUnits
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
        /// A write of the commands appended since the last one is on its way.
        var flushPlanned = false
        /// A caller reads the replies on its own thread; the event loop leaves the socket alone.
        var callerReads = false
        /// The event loop reads the socket now (outside the lock).
        var loopReads = false
        /// The event loop's current poll includes the socket (as of its last `interest()`).
        var loopWatches = false
        /// Why the connection is unusable; set once, for good.
        var failure: RedisError?
    }

    private let connection: RedisConnection
    private let loop: RedisEventLoop
    private let state = Mutex(State())
    /// `pending.count` while the connection works, -1 once it has failed: read without the lock,
    /// so that choosing a connection never waits for one that is busy reading replies.
    private let gauge = Atomic(0)
    /// Whether a reply has arrived on it (a connection idle since may have gone stale).
    private let answered = Atomic(false)
    let fd: Int32

    /// Takes over a connected, authenticated connection.
    init(_ connection: RedisConnection, loop: RedisEventLoop) {
        self.connection = connection
        self.loop = loop
        fd = connection.fileDescriptor
    }

    /// The callers in flight (how loaded the connection is), or `nil` once it has failed.
    var load: Int? {
        let load = gauge.load(ordering: .relaxed)
        return load < 0 ? nil : load
    }

    var isFailed: Bool { load == nil }

    private var failure: RedisError? { state.withLock { $0.failure } }

    var hasAnswered: Bool { answered.load(ordering: .relaxed) }

    /// Publishes how many callers are in flight (after every change to `pending` or `failure`).
    private func publishLoad(_ state: State) {
        gauge.store(state.failure == nil ? state.pending.count : -1, ordering: .relaxed)
    }

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
            let (failed, flushes) = state.withLock { state -> ([Pending], Bool) in
                defer { publishLoad(state) }
                state.pending.append(Pending(expected: commands.count, deadline: deadline, continuation: continuation))
                if let failure = state.failure { return (fail(&state, failure), false) }
                connection.append(commands)
                // A write already planned, or waiting for the socket, takes these commands along.
                guard !state.flushPlanned, !state.unwritten else { return ([], false) }
                state.flushPlanned = true
                return ([], true)
            }
            resume(failed)
            // Behind the callers already runnable (those just resumed by a batch of replies), so
            // that their commands go out in the same write.
            if flushes { Task { self.flushPlannedWrite() } }
        }
    }

    /// Writes every command appended since the last write, in one system call.
    private func flushPlannedWrite() {
        let (failed, needsWake) = state.withLock { state -> ([Pending], Bool) in
            state.flushPlanned = false
            guard state.failure == nil, !state.unwritten else { return ([], false) }
            let done: Bool
            do throws(RedisError) { done = try connection.flush() } catch { return (fail(&state, error), false) }
            state.unwritten = !done
            // The loop left the socket out while a caller read it, or must wait to write the rest.
            return ([], !done || !state.loopWatches)
        }
        resume(failed)
        loop.workStarted(needsWake: needsWake)
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
    private func sendAndWaitHere(
        _ commands: [RedisCommand], deadline: ContinuousClock.Instant, for wait: Duration
    ) throws -> InlineOutcome {
        let started = try state.withLock { state throws(RedisError) -> Bool in
            if let failure = state.failure { throw failure }
            guard state.pending.isEmpty, !state.callerReads, !state.loopReads else { return false }
            connection.append(commands)
            let done: Bool
            do throws(RedisError) { done = try connection.flush() } catch {
                _ = fail(&state, error)
                throw error
            }
            state.unwritten = !done
            state.callerReads = true
            state.pending.append(Pending(expected: commands.count, deadline: deadline))
            publishLoad(state)
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
            guard poll(&descriptor, 1, spinning ? 0 : Int32(clamping: left.inMilliseconds + 1)) > 0 else {
                // Spinning gives way to any thread that wants this core (Redis itself, on a small machine).
                if spinning { sched_yield() }
                continue
            }
            if descriptor.revents & Int16(POLLOUT) != 0 { socketWritable() }
            let received = receiveReplies()
            let (completed, failed, handOff) = state.withLock { state -> ([Pending], [Pending], Bool) in
                let (completed, failed) = deliver(received, &state)
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
            do throws(RedisError) { state.unwritten = try !connection.flush() } catch { return fail(&state, error) }
            return []
        }
        resume(failed)
    }

    /// The socket has data or an error: reads and completes every caller whose replies are all in
    /// (on the event loop's thread, unless a caller reads on its own).
    func socketReadable() {
        let reads = state.withLock { state -> Bool in
            guard !state.callerReads else { return false }
            state.loopReads = true
            return true
        }
        guard reads else { return }
        let received = receiveReplies()
        let (completed, failed) = state.withLock { state -> ([Pending], [Pending]) in
            state.loopReads = false
            return deliver(received, &state)
        }
        completed.forEach { $0.continuation?.resume(returning: $0.replies) }
        resume(failed)
    }

    /// Reads and parses what the socket holds, without the lock (callers keep appending and
    /// writing meanwhile): only the reader of the moment calls it, the event loop or a caller
    /// reading on its own thread. The replies parsed before an error are kept.
    private func receiveReplies() -> (replies: [RedisValue], error: RedisError?) {
        var replies: [RedisValue] = []
        do throws(RedisError) {
            try connection.receive()
            while let reply = try connection.nextReceivedReply() { replies.append(reply) }
            return (replies, nil)
        } catch {
            return (replies, error)
        }
    }

    /// Hands `received` to the callers in flight, in order: the callers whose replies are now all
    /// in, and those failed because the connection broke. Replies nobody asked for break the
    /// protocol too.
    private func deliver(
        _ received: (replies: [RedisValue], error: RedisError?), _ state: inout State
    ) -> (completed: [Pending], failed: [Pending]) {
        if let failure = state.failure { return ([], fail(&state, failure)) }
        var completed: [Pending] = []
        for reply in received.replies {
            guard !state.pending.isEmpty else {
                return (
                    completed,
                    fail(
                        &state, RedisError(code: .unexpectedReply, message: "a reply arrived that no command asked for")
                    )
                )
            }
            answered.store(true, ordering: .relaxed)
            state.pending[0].replies.append(reply)
            if state.pending[0].replies.count == state.pending[0].expected {
                completed.append(state.pending.removeFirst())
            }
        }
        publishLoad(state)
        if let error = received.error { return (completed, fail(&state, error)) }
        return (completed, [])
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
        if state.failure == nil {
            state.failure = error
            // The server learns at once that nobody reads any more (a refused reply stops there).
            connection.interrupt()
        }
        defer {
            state.pending.removeAll()
            publishLoad(state)
        }
        return Array(state.pending)
    }

    /// Fails `failed` with the connection's failure. A caller waiting on its own thread finds it there.
    private func resume(_ failed: [Pending]) {
        guard !failed.isEmpty else { return }
        let error = failure ?? RedisError(code: .connectionLost, message: "connection lost")
        failed.forEach { $0.continuation?.resume(throwing: error) }
    }
}
