import CSpawn
public import Foundation
import Synchronization

/// A process a test (or a benchmark) starts: a server, the operator, or one command.
///
/// Spawned with exactly three descriptors, standard input from `/dev/null` and output and error
/// where asked (`Output`), so no pipe or socket of this process leaks into it: a pipe's reader sees its end
/// as soon as its own child exits, whatever else runs. Its exit is awaited on a thread of its own,
/// never on Swift's cooperative pool (two threads on two cores, which other tests share).
public final class ChildProcess: Sendable {
    /// Where the child's standard output and error go.
    public enum Output: Sendable {
        case discard
        /// This process's own standard output and error.
        case inherit
        /// Appended to the file (created when missing).
        case file(String)
        /// Kept, and handed to the caller by `waitForOutput()`.
        case capture
    }

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)

        /// The exit status as a shell reports it (128 + the signal's number for a signal).
        public var status: Int32 {
            switch self {
            case .exited(let code): code
            case .signalled(let signal): 128 + signal
            }
        }
    }

    public let pid: Int32
    public let executable: String
    private let exit = OneShot<Termination>()
    private let captured: (output: DescriptorReader, error: DescriptorReader)?

    /// Starts `executable` (a path, or a name looked up on `PATH`) with `arguments`; `environment`
    /// replaces the test process's when given.
    public init(
        _ executable: String, arguments: [String], environment: [String: String]? = nil, output: Output = .discard
    ) throws {
        // As a shell does: a name with a slash is a path (relative to the working directory), a
        // bare name is looked up on PATH.
        let path = executable.contains("/") ? executable : try Self.which(executable)
        self.executable = path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        var pipes: [(read: Int32, write: Int32)] = []
        switch output {
        case .discard:
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .inherit:
            break
        case .file(let log):
            posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        case .capture:
            for target: Int32 in [1, 2] {
                var ends: [Int32] = [-1, -1]
                guard kvo_pipe_cloexec(&ends) == 0 else {
                    pipes.forEach {
                        close($0.read); close($0.write)
                    }
                    throw Self.failure("cannot create a pipe for \(path)", errno: errno)
                }
                pipes.append((ends[0], ends[1]))
                posix_spawn_file_actions_adddup2(&actions, ends[1], target)
            }
        }
        // Last: every other descriptor, whatever created it (libcurl's and hiredis's sockets are
        // not close-on-exec), is closed in the child.
        kvo_spawn_add_closefrom(&actions, 3)

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, path, &actions, nil, argv, envp)
        pipes.forEach { close($0.write) }
        guard spawned == 0 else {
            pipes.forEach { close($0.read) }
            throw Self.failure("cannot start \(path)", errno: spawned)
        }
        pid = child
        captured = pipes.count == 2 ? (DescriptorReader(pipes[0].read), DescriptorReader(pipes[1].read)) : nil
        let thread = Thread { [self] in reap() }
        thread.name = "wait \(pid)"
        thread.start()
    }

    /// Whether the child has not exited yet.
    public var isRunning: Bool { exit.value == nil }

    /// Sends `signal` unless the child's exit is recorded (its pid may then belong to another process).
    public func send(_ signal: Int32) {
        exit.whileUnset { _ = kill(pid, signal) }
    }

    /// Waits until the child exits.
    @discardableResult
    public func waitForExit() async -> Termination {
        await exit.wait()
    }

    /// With `.capture`: waits until the child exits; its termination, output and error.
    public func waitForOutput() async -> (termination: Termination, output: Data, error: Data) {
        let output = await captured?.output.readToEnd() ?? Data()
        let error = await captured?.error.readToEnd() ?? Data()
        return (await waitForExit(), output, error)
    }

    /// Runs on the child's own thread: blocks in `waitpid` until it exits.
    private func reap() {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import (macros).
        let termination: Termination = status & 0x7f == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
        exit.set(termination)
    }

    static func which(_ name: String) throws -> String {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(name) is not on PATH"])
    }

    private static func failure(_ message: String, errno code: Int32) -> CocoaError {
        CocoaError(
            .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(message): \(String(cString: strerror(code)))"])
    }
}

/// Reads a pipe to its end on a thread of its own, from the moment it is created (a child whose
/// output fills the pipe's buffer would otherwise block before it exits).
final class DescriptorReader: Sendable {
    private let data = OneShot<Data>()

    init(_ descriptor: Int32) {
        let thread = Thread { [data] in
            var read = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = Glibc.read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    read.append(buffer, count: count)
                } else if count == 0 || errno != EINTR {
                    break
                }
            }
            close(descriptor)
            data.set(read)
        }
        thread.name = "read \(descriptor)"
        thread.start()
    }

    /// Everything read, once the writer closed its end.
    func readToEnd() async -> Data {
        await data.wait()
    }
}

/// A value set once, which tasks wait for without blocking a thread.
public final class OneShot<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiters: [CheckedContinuation<Value, Never>])>((nil, []))

    public init() {}

    public var value: Value? { state.withLock { $0.value } }

    /// Sets the value (once) and resumes every waiter.
    public func set(_ value: Value) {
        let waiters = state.withLock { state in
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: value) }
    }

    /// Runs `body` under the lock, unless the value is set.
    func whileUnset(_ body: () -> Void) {
        state.withLock { if $0.value == nil { body() } }
    }

    public func wait() async -> Value {
        await withCheckedContinuation { continuation in
            let value = state.withLock { state -> Value? in
                if state.value == nil { state.waiters.append(continuation) }
                return state.value
            }
            if let value { continuation.resume(returning: value) }
        }
    }
}
