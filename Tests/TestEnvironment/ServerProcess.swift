import Foundation

/// A server process a test starts and stops itself (for restart and outage tests).
public final class ServerProcess: @unchecked Sendable {
    // `@unchecked`: `process` is only touched by the test that owns this value, one call at a time.
    private var process: ChildProcess?
    public let executable: String
    public let arguments: [String]

    public init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// Starts the process (once the previous one has exited) and waits until `port` accepts
    /// connections; fails when the process exits first, or stays deaf for `limit` (a bound for a
    /// broken server, far beyond any start on a loaded machine).
    public func start(waitingForPort port: Int, limit: Duration = .seconds(120)) async throws {
        if let previous = process { await previous.waitForExit() }
        let process = try ChildProcess(executable, arguments: arguments)
        self.process = process
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CocoaError(
            .fileReadUnknown,
            userInfo: [NSLocalizedDescriptionKey: "\(executable) did not listen on \(port) (arguments: \(arguments))"])
    }

    /// Kills the process with SIGKILL and waits until it has exited.
    public func kill() async {
        guard let process else { return }
        process.send(SIGKILL)
        await process.waitForExit()
    }

    /// SIGKILL without waiting (for `defer`, where nothing can be awaited).
    public func sendKill() {
        process?.send(SIGKILL)
    }

    deinit { sendKill() }

    /// Whether something accepts TCP connections on the loopback `port` now.
    public static func accepts(port: Int) -> Bool {
        guard let fd = LocalPorts.connect(to: port) else { return false }
        close(fd)
        return true
    }
}
