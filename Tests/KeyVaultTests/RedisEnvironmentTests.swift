import Foundation
import KeyVault
import TestEnvironment
import Testing

/// How the library finds Redis in the environment: `REDIS_URL`, `REDIS_USERNAME`, the host,
/// port, password and database variables, and TLS (`rediss://`, `REDIS_TLS` and its files).
struct RedisEnvironmentTests {
    static func redis(_ environment: [String: String]) throws -> CachedClientConfig.RedisConfig {
        try CachedClientConfig.fromEnvironment(environment).redis
    }

    @Test func aURLGivesUserPasswordHostPortAndDatabase() throws {
        let redis = try Self.redis(["REDIS_URL": "redis://app:s%40cret@cache.internal:6380/2"])
        #expect(redis.host == "cache.internal")
        #expect(redis.port == 6380)
        #expect(redis.username == "app")
        #expect(redis.password == "s@cret")
        #expect(redis.db == 2)
    }

    @Test func aURLWinsOverTheSeparateVariablesAndDefaultsItsPortAndDatabase() throws {
        let redis = try Self.redis([
            "REDIS_URL": "redis://:only-password@10.1.2.3", "REDIS_HOST": "ignored", "REDIS_PORT": "1",
            "REDIS_PASSWORD": "ignored", "REDIS_DB": "9",
        ])
        #expect(redis.host == "10.1.2.3")
        #expect(redis.port == 6379)
        #expect(redis.username == nil)
        #expect(redis.password == "only-password")
        #expect(redis.db == 0)
    }

    @Test func anIPv6HostIsTakenWithoutItsBrackets() throws {
        #expect(try Self.redis(["REDIS_URL": "redis://[::1]:7000"]).host == "::1")
    }

    @Test func redisUsernameNamesTheACLUserWithOrWithoutAURL() throws {
        let separate = try Self.redis(["REDIS_HOST": "r", "REDIS_USERNAME": "app", "REDIS_PASSWORD": "p"])
        #expect(separate.username == "app")
        #expect(separate.password == "p")
        #expect(try Self.redis(["REDIS_URL": "redis://:p@r", "REDIS_USERNAME": "app"]).username == "app")
        #expect(try Self.redis(["REDIS_URL": "redis://url-user:p@r", "REDIS_USERNAME": "app"]).username == "url-user")
    }

    @Test(arguments: [
        "http://r:6379", "redis://", "redis://r:99999", "redis://r/db", "redis://r/-1", "redis://r?timeout=1",
        "not a url",
    ])
    func aMalformedURLIsAStartUpErrorThatNamesTheVariable(url: String) throws {
        let error = #expect(throws: KeyVaultError.self) { try Self.redis(["REDIS_URL": url]) }
        #expect(error?.code == .invalidInput)
        #expect(error?.context["variable"] == "REDIS_URL")
    }

    @Test func aPasswordNeverAppearsInTheError() throws {
        let error = #expect(throws: KeyVaultError.self) {
            try Self.redis(["REDIS_URL": "redis://app:hunter2-secret@r:notaport"])
        }
        #expect(error.map { !"\($0)".contains("hunter2-secret") } == true)
    }

    @Test func aRedissURLTurnsOnVerifiedTLS() throws {
        let redis = try Self.redis(["REDIS_URL": "rediss://app:p@cache.redis.cache.windows.net:6380"])
        #expect(redis.port == 6380)
        #expect(redis.tls == CachedClientConfig.RedisConfig.TLS())
        #expect(redis.tls?.skipVerify == false)
        #expect(try Self.redis(["REDIS_URL": "redis://r"]).tls == nil)
        #expect(try Self.redis(["REDIS_HOST": "r"]).tls == nil)
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.redisTLS))) func redisTLSWithItsFilesNameAndSkipVerify() throws {
        let tls = try TestEnvironment.redisTLS()
        let client = tls.certificate(.client)
        let redis = try Self.redis([
            "REDIS_HOST": "10.0.0.7", "REDIS_PORT": "6380", "REDIS_TLS": "true", "REDIS_CA_FILE": tls.caFile,
            "REDIS_CERT_FILE": client.certificate, "REDIS_KEY_FILE": client.key,
            "REDIS_TLS_SERVER_NAME": "cache.internal", "REDIS_TLS_SKIP_VERIFY": "true",
        ])
        #expect(
            redis.tls
                == .init(
                    caFile: tls.caFile, certificateFile: client.certificate, keyFile: client.key,
                    serverName: "cache.internal", skipVerify: true))
    }

    @Test func aRedissURLWithRedisTLSFalseIsAContradiction() throws {
        let error = #expect(throws: KeyVaultError.self) {
            try Self.redis(["REDIS_URL": "rediss://r:6380", "REDIS_TLS": "false"])
        }
        #expect(error?.context["variable"] == "REDIS_TLS")
    }

    @Test(arguments: [
        "REDIS_CA_FILE", "REDIS_CERT_FILE", "REDIS_KEY_FILE", "REDIS_TLS_SERVER_NAME", "REDIS_TLS_SKIP_VERIFY",
    ])
    func aTLSSettingWithoutTLSIsAnErrorNotIgnored(variable: String) throws {
        let error = #expect(throws: KeyVaultError.self) {
            try Self.redis(["REDIS_URL": "redis://r", variable: "true"])
        }
        #expect(error?.context["variable"] == variable)
        #expect(error?.message.contains("TLS to Redis is off") == true)
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.redisTLS))) func unusableTLSFilesStopStartUpNamingTheVariable() throws
    {
        let tls = try TestEnvironment.redisTLS()
        let client = tls.certificate(.client)
        let cases: [([String: String], String)] = [
            (["REDIS_CA_FILE": tls.directory + "/no-such-ca.crt"], "REDIS_CA_FILE"),
            (["REDIS_CERT_FILE": client.certificate], "REDIS_KEY_FILE"),
            (["REDIS_KEY_FILE": client.key], "REDIS_CERT_FILE"),
            (
                ["REDIS_CERT_FILE": client.certificate, "REDIS_KEY_FILE": tls.certificate(.server).key],
                "REDIS_KEY_FILE"
            ),
            (["REDIS_TLS_SKIP_VERIFY": "maybe"], "REDIS_TLS_SKIP_VERIFY"),
        ]
        for (settings, variable) in cases {
            let error = #expect(throws: KeyVaultError.self) {
                try Self.redis(settings.merging(["REDIS_URL": "rediss://r"]) { $1 })
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.context["variable"] == variable, "\(settings)")
        }
    }

    @Test func redisClusterTakesTheHostAsSeedAndOnlyDatabaseZero() throws {
        #expect(try Self.redis(["REDIS_CLUSTER": "true", "REDIS_URL": "rediss://seed:6380"]).cluster)
        #expect(try !Self.redis([:]).cluster)
        let error = #expect(throws: KeyVaultError.self) {
            try Self.redis(["REDIS_CLUSTER": "true", "REDIS_URL": "redis://seed:7000/2"])
        }
        #expect(error?.context["variable"] == "REDIS_DB")
        let notABool = #expect(throws: KeyVaultError.self) { try Self.redis(["REDIS_CLUSTER": "maybe"]) }
        #expect(notABool?.context["variable"] == "REDIS_CLUSTER")
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.redis) && TestEnvironment.shouldRun(.emulator)))
    func aClientFromAURLSignsInAsItsACLUser() async throws {
        let redis = try TestEnvironment.redis()
        let port = LocalPorts.free()
        let server = ServerProcess(
            executable: redis.serverBinary,
            arguments: [
                "--bind", "127.0.0.1", "--port", "\(port)", "--save", "", "--user", "default", "off", "--user", "app",
                "on",
                ">app-password", "~*", "+@all",
            ])
        try await server.start(waitingForPort: port)
        var config = try LibraryTestSupport.cachedConfig()
        config.redis = try Self.redis(["REDIS_URL": "redis://app:app-password@127.0.0.1:\(port)/0"])
        let client = try CachedClient(config: config)
        defer { client.close() }
        let name = LibraryTestSupport.uniqueName("acl")
        try await client.setSecret(name, value: "through-an-acl-user")
        #expect(try await client.getSecret(name).value == "through-an-acl-user")
        let cached = try await client.getSecret(name)
        #expect(cached.value == "through-an-acl-user")
        #expect(client.cacheStats().hits >= 1)
        await server.kill()
    }
}
