public import Logging
import Synchronization

/// A pooled Redis client over hiredis.
///
/// Each of `poolSize` slots has its own thread and connects on first use. A connection that breaks
/// is dropped and re-established on the slot's next use; a command that fails on a pooled
/// connection which had gone stale (the server restarted while it was idle) is retried once on a
/// new connection.
public final class RedisClient: Sendable {
    public let configuration: Configuration
    private let slots: [RedisSlot]
    private let pool: Mutex<(idle: [Int], waiters: [CheckedContinuation<Int, any Error>], closed: Bool)>

    public init(configuration: Configuration) {
        self.configuration = configuration
        self.slots = (0..<configuration.poolSize).map { RedisSlot(index: $0) }
        self.pool = Mutex((Array(0..<configuration.poolSize).reversed(), [], false))
    }

    deinit {
        slots.forEach { $0.worker.stop() }
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: `RedisError` with code `serverError` and Redis's text for an error reply.
    public func send(_ command: RedisCommand, logger: Logger? = nil) async throws -> RedisValue {
        let reply = try await pipeline([command], logger: logger)[0]
        if case .error(let text) = reply {
            throw RedisError(code: .serverError, message: text)
        }
        return reply
    }

    /// Sends several commands in one round trip and returns their replies in order; an error reply
    /// stands in its place as `.error` rather than failing the others.
    public func pipeline(_ commands: [RedisCommand], logger: Logger? = nil) async throws -> [RedisValue] {
        guard !commands.isEmpty else { return [] }
        let index = try await acquire()
        defer { release(index) }
        let configuration = self.configuration
        do {
            return try await slots[index].worker.run { [slot = slots[index]] in
                try slot.execute(commands, configuration: configuration)
            }
        } catch let error as RedisError {
            logger?.debug(
                "redis command failed",
                metadata: ["redis.command": "\(commands[0].name)", "redis.error": "\(error.message)"])
            throw error
        }
    }

    /// Closes every connection; later commands fail with `RedisError.Code.shutdown`.
    public func close() {
        let waiters = pool.withLock { state in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        waiters.forEach { $0.resume(throwing: RedisError(code: .shutdown, message: "the client is closed")) }
        for slot in slots {
            slot.worker.enqueue { slot.disconnect() }
        }
    }

    private func acquire() async throws -> Int {
        // Fast path without suspending when a slot is idle.
        let immediate = pool.withLock { state -> Result<Int, RedisError>? in
            if state.closed { return .failure(RedisError(code: .shutdown, message: "the client is closed")) }
            return state.idle.popLast().map { .success($0) }
        }
        if let immediate { return try immediate.get() }
        return try await withCheckedThrowingContinuation { continuation in
            let outcome = pool.withLock { state -> Result<Int, RedisError>? in
                if state.closed { return .failure(RedisError(code: .shutdown, message: "the client is closed")) }
                if let index = state.idle.popLast() { return .success(index) }
                state.waiters.append(continuation)
                return nil
            }
            if let outcome { continuation.resume(with: outcome) }
        }
    }

    private func release(_ index: Int) {
        let waiter = pool.withLock { state -> CheckedContinuation<Int, any Error>? in
            if state.waiters.isEmpty {
                state.idle.append(index)
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume(returning: index)
    }
}

/// A pool slot: a worker thread and the connection it owns.
final class RedisSlot: @unchecked Sendable {
    // `@unchecked`: `connection` is only read and written on `worker`'s thread.
    let worker: BlockingWorker
    private var connection: RedisConnection?

    init(index: Int) {
        worker = BlockingWorker(name: "redis-\(index)")
    }

    /// Runs on the worker thread.
    func execute(_ commands: [RedisCommand], configuration: RedisClient.Configuration) throws -> [RedisValue] {
        let reused = connection?.hasBeenUsed ?? false
        do {
            return try connected(configuration).pipeline(commands)
        } catch let error as RedisError where error.code == .connectionLost && reused {
            connection = nil
            return try connected(configuration).pipeline(commands)
        } catch {
            if connection?.isBroken ?? false { connection = nil }
            throw error
        }
    }

    private func connected(_ configuration: RedisClient.Configuration) throws -> RedisConnection {
        if let connection, !connection.isBroken { return connection }
        connection = nil
        let fresh = try RedisConnection(configuration: configuration)
        connection = fresh
        return fresh
    }

    func disconnect() {
        connection = nil
    }
}
