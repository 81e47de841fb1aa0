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
        #expect(lines.count == 9, "a header row and eight types")
        #expect(
            lines[0].split(separator: " ", omittingEmptySubsequences: true) == [
                "TYPE", "STATUS", "MASKED", "KEY", "EXPIRES",
            ])
        #expect(
            lines[1].split(separator: " ", omittingEmptySubsequences: true) == [
                "weather", "connected", "***4f2", "2030-12-28",
            ])
        #expect(!list.output.contains("cli-value-secret"))
    }

    /// `-o json` and `-o yaml`, as scripts read them: the same facts, never a value.
    @Test func listsAndMetadataPrintAsJSONAndYAML() async throws {
        let user = LibraryTestSupport.uniqueUser()
        #expect(
            try await run(["integration", "set", "--user", user, "--type", "alexa", "--value", "cli-json-value-9ab"])
                .status == 0)
        let json = try await run(["integration", "list", "--user", user, "-o", "json"])
        let integrations = try #require(
            try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: String]])
        #expect(integrations.count == 8)
        #expect(
            integrations.first { $0["type"] == "alexa" } == [
                "type": "alexa", "status": "connected", "masked_key": "***9ab", "expires": "-",
            ])
        let yaml = try await run(["integration", "list", "--user", user, "--output", "yaml"])
        #expect(yaml.output.contains("- type: \"alexa\"\n  status: \"connected\"\n  masked_key: \"***9ab\""))

        let name = "user-\(user)-alexa"
        let metadata = try await run(["secret", "get", name, "-o", "json"])
        let secret = try #require(
            try JSONSerialization.jsonObject(with: Data(metadata.output.utf8)) as? [[String: String]])
        #expect(secret.first?["name"] == name && secret.first?["enabled"] == "true")
        #expect(secret.first?["version"]?.count == 32)
        for output in [json, yaml, metadata] { #expect(!output.output.contains("cli-json-value")) }
        let health = try await run(["health", "-o", "json"])
        let components = try #require(
            try JSONSerialization.jsonObject(with: Data(health.output.utf8)) as? [[String: String]])
        #expect(Set(components.compactMap { $0["status"] }) == ["ok"])
        #expect(try await run(["cache", "stats", "-o", "yaml"]).output.hasPrefix("- prefix: \"keyvault:\""))
        let bad = try await run(["integration", "list", "--user", user, "-o", "xml"])
        #expect(bad.status != 0)
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

    @Test(.enabled(if: TestEnvironment.shouldRun(.redisTLS)))
    func theCommandsWorkAgainstATLSOnlyRedis() async throws {
        let tls = try TestEnvironment.redisTLS()
        try await commandsWork(environment: [
            "REDIS_URL": "rediss://localhost:\(tls.port)", "REDIS_CA_FILE": tls.caFile,
        ])
    }

    @Test func theCommandsWorkAsTheLeastPrivilegedACLUser() async throws {
        let acl = try await RedisACLUser.create()
        try await commandsWork(environment: ["REDIS_USERNAME": acl.username, "REDIS_PASSWORD": acl.password])
        try await acl.delete()
    }

    /// `integration set` and `get`, `cache stats` and `health` all succeed with `environment`.
    func commandsWork(environment: [String: String]) async throws {
        let user = LibraryTestSupport.uniqueUser()
        let set = try await run(
            ["integration", "set", "--user", user, "--type", "sms_notification", "--value", "cli-value-7e1"],
            environment: environment)
        #expect(set.status == 0, "\(set.error)")
        let get = try await run(
            ["integration", "get", "--user", user, "--type", "sms_notification"], environment: environment)
        #expect(get.status == 0, "\(get.error)")
        #expect(get.output.contains("***7e1"))
        let stats = try await run(["cache", "stats"], environment: environment)
        #expect(stats.status == 0, "\(stats.error)")
        #expect(try await run(["health"], environment: environment).status == 0)
    }

    @Test func anUnusableRedisTLSFileStopsTheCommandNamingTheVariable() async throws {
        let missing = try await run(
            ["health"], environment: ["REDIS_URL": "rediss://localhost:6380", "REDIS_CA_FILE": "/no/such/ca.crt"])
        #expect(missing.status != 0)
        #expect(missing.error.contains("REDIS_CA_FILE"))
    }
}
