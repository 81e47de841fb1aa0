import Foundation

/// One run of the `keyvault-operator` command as a user runs it, configured for the test servers
/// (vault, Redis) that are available; its exit status and what it printed.
public struct CommandRun: Sendable {
    public let status: Int32
    public let output: String
    public let error: String

    /// Runs `keyvault-operator arguments` and waits for it; `environment` adds or replaces variables.
    public init(_ arguments: [String], environment extra: [String: String] = [:]) async throws {
        var environment: [String: String] = [:]
        if let emulator = try? TestEnvironment.emulator() {
            environment["KEYVAULT_URL"] = emulator.url
            environment["KEYVAULT_CA_FILE"] = emulator.caFile
        }
        if let redis = try? TestEnvironment.redis() {
            environment["REDIS_HOST"] = redis.host
            environment["REDIS_PORT"] = "\(redis.port)"
            environment["REDIS_COMMAND_TIMEOUT"] = "30s"
        }
        environment.merge(extra) { $1 }
        let process = try ChildProcess(
            TestEnvironment.binDirectory + "/keyvault-operator", arguments: arguments, environment: environment,
            output: .capture)
        let result = await process.waitForOutput()
        status = result.termination.status
        output = String(decoding: result.output, as: UTF8.self)
        error = String(decoding: result.error, as: UTF8.self)
    }
}
