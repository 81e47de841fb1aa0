import Foundation
import TestEnvironment
import Testing

/// The `keyvault-operator` library subcommands, run as a user runs them.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct OperatorCLITests {
    struct Run {
        let status: Int32
        let output: String
        let error: String
    }

    func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> Run {
        let emulator = try TestEnvironment.emulator()
        let redis = try TestEnvironment.redis()
        let binDirectory = ProcessInfo.processInfo.environment["KVO_TEST_BIN_DIR"] ?? ".build/debug"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binDirectory + "/keyvault-operator")
        process.arguments = arguments
        var environment = ["KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile, "REDIS_HOST": redis.host, "REDIS_PORT": "\(redis.port)"]
        environment.merge(extra) { $1 }
        process.environment = environment
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), error: String(decoding: err, as: UTF8.self))
    }

    @Test func integrationSetThenListShowsAllEightTypesWithoutValues() throws {
        let user = LibraryTestSupport.uniqueUser()
        let set = try run(["integration", "set", "--user", user, "--type", "weather", "--value", "cli-value-secret-4f2", "--expires-at", "2030-12-28T00:00:00Z"])
        #expect(set.status == 0)
        let list = try run(["integration", "list", "--user", user])
        #expect(list.status == 0)
        let lines = list.output.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(lines[0].split(separator: " ", omittingEmptySubsequences: true) == ["weather", "connected", "***4f2", "2030-12-28"])
        #expect(!list.output.contains("cli-value-secret"))
    }

    @Test func secretSetGetAndMissingSecretExitCode() throws {
        let name = LibraryTestSupport.uniqueName("cli")
        #expect(try run(["secret", "set", name, "--value", "from-cli"]).status == 0)
        let get = try run(["secret", "get", name])
        #expect(get.output == "from-cli\n")
        let missing = try run(["secret", "get", LibraryTestSupport.uniqueName("missing")])
        #expect(missing.status != 0)
        #expect(missing.error.hasPrefix("[INFRA-KEYVAULT-020]"))
    }

    @Test func healthExitsNonZeroAndNamesRedisWhenItIsDown() throws {
        #expect(try run(["health"]).status == 0)
        let down = try run(["health"], environment: ["REDIS_PORT": "\(LocalPorts.free())"])
        #expect(down.status != 0)
        #expect(down.error.contains("redis"))
    }
}
