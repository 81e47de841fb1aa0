import Foundation
import Logging
import Synchronization

/// One Redis server's connections: commands from any number of callers are pipelined on up to
/// `poolSize` connections.
///
/// A caller's commands are appended to a connection at once, and written together with those
/// other callers append meanwhile, in one system call; one event-loop thread reads every
/// connection's replies and resumes the callers. A caller alone on the client waits for its reply
/// on its own thread for up to `inlineReplyWait` first (a round trip to a nearby Redis takes less),
/// which saves a thread wake-up per command. A connection is opened (on a connector thread,
/// so connecting never blocks the cooperative pool) when every open one has commands in flight.
/// A connection that breaks fails the commands in flight on it and is replaced on the next use; a
/// command that fails on a connection which had gone stale (the server restarted while it was
/// idle) is retried once on a new connection.
final class RedisNode: Sendable {
    let configuration: RedisClient.Configuration
    private let loop = RedisEventLoop(name: "redis-replies")
    private let connector = BlockingWorker(name: "redis-connect")
    private let pool: Mutex<(slots: [Slot], closed: Bool)>
    /// Callers with commands in flight.
    private let callers = Atomic(0)

    /// A place for one connection.
    enum Slot {
        case empty
        case connecting(waiters: [CheckedContinuation<Void, any Error>])
        case ready(PipelinedConnection)
    }

    init(configuration: RedisClient.Configuration) {
        self.configuration = configuration
        self.pool = Mutex((Array(repeating: .empty, count: configuration.poolSize), false))
        _ = Self.brokenPipesIgnored
    }

    /// hiredis writes with `write()`: a command sent on a connection Redis has closed would kill
    /// the process with SIGPIPE. SIGPIPE is ignored (unless the process handles it itself): such a
    /// write fails as a lost connection.
    private static let brokenPipesIgnored: Void = {
        var current = sigaction()
        if sigaction(SIGPIPE, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil {
            _ = signal(SIGPIPE, SIG_IGN)
        }
    }()

    deinit {
        loop.stop()
        connector.stop()
    }

    /// Sends one command; an error reply is thrown, naming `name` (the command).
    func send(_ command: RedisCommand, name: String) async throws -> RedisValue {
        let reply = try await pipeline([command])[0]
        if case .error(let text) = reply { throw RedisError.reply(text, to: name) }
        return reply
    }

    /// Sends several commands in one round trip and returns their replies in order; an error reply
    /// stands in its place as `.error` rather than failing the others.
    func pipeline(_ commands: [RedisCommand], logger: Logger? = nil) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        do {
            let connection = try await connection()
            let reused = connection.hasAnswered
            do {
                return try await send(commands, on: connection)
            } catch let error as RedisError where error.code == .connectionLost && reused {
                return try await send(commands, on: try await self.connection())
            }
        } catch let error as RedisError {
            logger?.debug(
                "redis command failed",
                metadata: ["redis.command": "\(commands[0].name)", "redis.error": "\(error.message)"])
            throw error
        }
    }

    /// Closes every connection; later commands fail with `RedisError.Code.shutdown`.
    func close() {
        let (connections, waiters) = pool.withLock {
            state -> ([PipelinedConnection], [CheckedContinuation<Void, any Error>]) in
            state.closed = true
            var connections: [PipelinedConnection] = []
            var waiters: [CheckedContinuation<Void, any Error>] = []
            for slot in state.slots {
                switch slot {
                case .ready(let connection): connections.append(connection)
                case .connecting(let queued): waiters += queued
                case .empty: break
                }
            }
            state.slots = state.slots.map { _ in .empty }
            return (connections, waiters)
        }
        let error = Self.closedError
        waiters.forEach { $0.resume(throwing: error) }
        connections.forEach { $0.fail(with: error) }
        loop.stop()
    }

    private static let closedError = RedisError(code: .shutdown, message: "the client is closed")

    /// Sends on `connection`. A caller alone on the client may wait for its reply on its own
    /// thread, if no other caller in the process does: however many clients a process has, Redis
    /// holds at most one thread of the cooperative pool, for at most `inlineReplyWait`.
    private func send(_ commands: [RedisCommand], on connection: PipelinedConnection) async throws -> [RedisValue] {
        let alone = callers.wrappingAdd(1, ordering: .relaxed).oldValue == 0
        defer { callers.wrappingSubtract(1, ordering: .relaxed) }
        let inline =
            alone && configuration.inlineReplyWait > .zero
            && Self.inlineWaiter.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        defer { if inline { Self.inlineWaiter.store(false, ordering: .releasing) } }
        return try await connection.send(
            commands, timeout: configuration.commandTimeout, inlineWait: inline ? configuration.inlineReplyWait : .zero)
    }

    /// Whether a caller in this process waits for its reply on its own thread now.
    private static let inlineWaiter = Atomic(false)

    /// What a caller does to get a connection.
    private enum Choice {
        case use(PipelinedConnection)
        case connect(slot: Int)
        case waitFor(slot: Int)
        case closed
    }

    /// Callers in flight on a connection before another is opened. Pipelining them on one saves
    /// system calls on both sides, which on a few cores is most of a command's cost.
    static let pipelineDepth = 32

    /// A connection with fewer than `pipelineDepth` callers in flight if there is one, else a new
    /// one while slots are free, else the least busy.
    private func connection() async throws -> PipelinedConnection {
        while true {
            switch choose() {
            case .use(let connection): return connection
            case .connect(let slot): return try await connect(slot: slot)
            case .waitFor(let slot): try await awaitConnection(slot: slot)
            case .closed: throw Self.closedError
            }
        }
    }

    private func choose() -> Choice {
        pool.withLock { state -> Choice in
            if state.closed { return .closed }
            var leastBusy: (connection: PipelinedConnection, load: Int)?
            var free: Int?
            var connecting: Int?
            for (index, slot) in state.slots.enumerated() {
                switch slot {
                case .ready(let connection):
                    // A failed connection's slot is free for a new one.
                    guard let load = connection.load else {
                        free = free ?? index
                        continue
                    }
                    if load < Self.pipelineDepth { return .use(connection) }
                    if load < leastBusy?.load ?? .max { leastBusy = (connection, load) }
                case .connecting: connecting = connecting ?? index
                case .empty: free = free ?? index
                }
            }
            if let free {
                state.slots[free] = .connecting(waiters: [])
                return .connect(slot: free)
            }
            if let leastBusy { return .use(leastBusy.connection) }
            return .waitFor(slot: connecting ?? 0)
        }
    }

    /// Opens the connection of `slot` for this caller and for those waiting on it.
    private func connect(slot: Int) async throws -> PipelinedConnection {
        let configuration = self.configuration
        let outcome: Result<PipelinedConnection, any Error>
        do {
            let connected = try await connector.run { try RedisConnection(configuration: configuration) }
            outcome = .success(PipelinedConnection(connected, loop: loop))
        } catch {
            outcome = .failure(error)
        }
        let (waiters, closed) = pool.withLock { state -> ([CheckedContinuation<Void, any Error>], Bool) in
            guard case .connecting(let waiters) = state.slots[slot] else { return ([], true) }
            state.slots[slot] = (try? outcome.get()).map { .ready($0) } ?? .empty
            return (waiters, state.closed)
        }
        if closed {
            (try? outcome.get())?.fail(with: Self.closedError)
            throw Self.closedError
        }
        switch outcome {
        case .success(let connection):
            loop.register(connection)
            waiters.forEach { $0.resume() }
            return connection
        case .failure(let error):
            waiters.forEach { $0.resume(throwing: error) }
            throw error
        }
    }

    /// Waits until the connection being opened in `slot` is open (or has failed to open).
    private func awaitConnection(slot: Int) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let queued = pool.withLock { state -> Bool in
                guard !state.closed, case .connecting(let waiters) = state.slots[slot] else { return false }
                state.slots[slot] = .connecting(waiters: waiters + [continuation])
                return true
            }
            if !queued { continuation.resume() }
        }
    }
}
