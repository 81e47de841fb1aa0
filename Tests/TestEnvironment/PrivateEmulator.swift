import Foundation

/// A keyvault-emulator process of a test's own (outages, faults): a free port and a data directory
/// that survive restarts, so a restarted emulator serves the same secrets with the same CA.
public final class PrivateEmulator: @unchecked Sendable {
    // `@unchecked`: used by one test, one call at a time.
    public let port = LocalPorts.free()
    public let directory: String
    /// Flags every start gets, e.g. fault injection or TLS files.
    public let arguments: [String]
    private var process: ServerProcess?

    public init(name: String = "emulator", arguments: [String] = []) throws {
        _ = try TestEnvironment.emulator()
        directory = TestEnvironment.scratchDirectory + "/\(name)-\(UUID().uuidString)"
        self.arguments = arguments
    }

    deinit { sendKill() }

    public var url: String { "https://127.0.0.1:\(port)" }
    public var caFile: String { directory + "/tls/ca.pem" }
    /// The operator's and the library's variables for this emulator.
    public var environment: [String: String] { ["KEYVAULT_URL": url, "KEYVAULT_CA_FILE": caFile] }

    /// Starts it (again) with `extra` flags added to `arguments`, and waits until it listens.
    public func start(_ extra: [String] = []) async throws {
        let process = ServerProcess(
            executable: try TestEnvironment.emulator().binary,
            arguments: ["--host", "127.0.0.1", "--port", "\(port)", "--data", directory, "--log-level", "warning"]
                + TestEnvironment.emulatorFlags + arguments + extra)
        try await process.start(waitingForPort: port)
        self.process = process
    }

    /// Kills it with SIGKILL (an outage, or a crash) and waits until it has exited.
    public func stop() async {
        await process?.kill()
        process = nil
    }

    /// SIGKILL without waiting (for `defer`).
    public func sendKill() {
        process?.sendKill()
    }
}
