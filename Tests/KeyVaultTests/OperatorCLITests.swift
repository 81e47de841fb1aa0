import Foundation
import TestEnvironment
import Testing

/// The `keyvault-operator` library subcommands, run as a user runs them.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator) && TestEnvironment.shouldRun(.redis)))
struct OperatorCLITests {
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandRun {
        try await CommandRun(arguments, environment: environment)
    }

    @Test func integrationSetThenListShowsAllEightTypesWithoutValues() async throws {
        let user = LibraryTestSupport.uniqueUser()
        let set = try await run([
            "integration", "set", "--user", user, "--type", "weather", "--value", "cli-value-secret-4f2",
            "--expires-at", "2030-12-28T00:00:00Z",
        ])
        #expect(set.status == 0)
        let list = try await run(["integration", "list", "--user", user])
        #expect(list.status == 0)
        let lines = list.output.split(separator: "\n")
        #expect(lines.count == 8)
        #expect(
            lines[0].split(separator: " ", omittingEmptySubsequences: true) == [
                "weather", "connected", "***4f2", "2030-12-28",
            ])
        #expect(!list.output.contains("cli-value-secret"))
    }

    @Test func secretSetGetAndMissingSecretExitCode() async throws {
        let name = LibraryTestSupport.uniqueName("cli")
        #expect(try await run(["secret", "set", name, "--value", "from-cli"]).status == 0)
        let get = try await run(["secret", "get", name])
        #expect(get.output == "from-cli\n")
        let missing = try await run(["secret", "get", LibraryTestSupport.uniqueName("missing")])
        #expect(missing.status != 0)
        #expect(missing.error.hasPrefix("[INFRA-KEYVAULT-020]"))
    }

    @Test func healthExitsNonZeroAndNamesRedisWhenItIsDown() async throws {
        #expect(try await run(["health"]).status == 0)
        let down = try await run(["health"], environment: ["REDIS_PORT": "\(LocalPorts.free())"])
        #expect(down.status != 0)
        #expect(down.error.contains("redis"))
    }
}
