import Foundation
import TestEnvironment
import Testing

/// The `keyvault-operator` library subcommands, run as a user runs them.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct OperatorCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> CommandRun {
        try CommandRun(arguments, environment: environment)
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
