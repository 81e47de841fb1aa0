import Foundation

/// A server process a test starts and stops itself (for restart and outage tests).
public final class ServerProcess: @unchecked Sendable {
    // `@unchecked`: `process` is only touched by the test that owns this value, one call at a time.
    private var process: Process?
    public let executable: String
    public let arguments: [String]

    public init(executable: String, arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    /// Starts the process and waits until `port` accepts connections.
    public func start(waitingForPort port: Int, timeout: Duration = .seconds(10)) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : try Self.which(executable))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if Self.accepts(port: port) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "\(executable) did not listen on \(port) (arguments: \(arguments))"])
    }

    /// Kills the process with SIGKILL and waits for it to exit.
    public func kill() {
        guard let process, process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit { kill() }

    /// Whether something accepts TCP connections on the loopback `port` now.
    public static func accepts(port: Int) -> Bool {
        guard let fd = LocalPorts.connect(to: port) else { return false }
        close(fd)
        return true
    }

    static func which(_ name: String) throws -> String {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        for directory in paths where FileManager.default.isExecutableFile(atPath: "\(directory)/\(name)") {
            return "\(directory)/\(name)"
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "\(name) is not on PATH"])
    }
}
