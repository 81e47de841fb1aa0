import Foundation
import Testing

@testable import KeyVault

struct MaskingAndNamingTests {
    @Test(arguments: [
        ("abcdefg4f2", "***4f2"), ("12345678", "***678"), ("1234567", "***"), ("", "***"),
        // Characters, not bytes: é is two bytes, a CR LF pair one character, 👍🏽 one character of eight bytes.
        ("abcdefé12", "***é12"), ("abcdé", "***"), ("abcdef\r\n", "***"), ("abcdefg\r\nxy", "***\r\nxy"),
        ("1234567👍🏽", "***67👍🏽"),
    ])
    func masksShowOnlyTheLastThreeCharacters(value: String, masked: String) {
        #expect(Masking.mask(value) == masked)
    }

    @Test func integrationNamesFollowTheDesign() {
        let key = IntegrationKey(userID: "user-123", type: .googleHome)
        #expect(key.secretName == "user-user-123-google-home")
        #expect(key.logicalKey == "user:user-123:google_home")
    }

    @Test(arguments: IntegrationType.allCases)
    func secretNamesParseBackToTheirIntegration(type: IntegrationType) {
        let key = IntegrationKey(userID: "a-b-c-1", type: type)
        #expect(IntegrationKey(secretName: key.secretName) == key)
        #expect(IntegrationKey(secretName: key.secretName.uppercased()) == key)
    }

    @Test func namesOutsideTheSchemeDoNotParse() {
        #expect(IntegrationKey(secretName: "db-password") == nil)
        #expect(IntegrationKey(secretName: "user--weather") == nil)
        #expect(IntegrationKey(secretName: "user-x-fax") == nil)
    }

    @Test func integrationStatusFollowsExpiryAndEnablement() {
        let now = Date()
        func secret(expires: Date?, enabled: Bool = true) -> Secret {
            Secret(properties: .init(name: "n", enabled: enabled, expiresAt: expires), value: "abcdefgh4f2")
        }
        #expect(Integration(type: .alexa, secret: secret(expires: nil), now: now).status == .connected)
        #expect(Integration(type: .alexa, secret: secret(expires: now + 60), now: now).status == .connected)
        #expect(Integration(type: .alexa, secret: secret(expires: now - 1), now: now).status == .expired)
        #expect(
            Integration(type: .alexa, secret: secret(expires: nil, enabled: false), now: now).status == .notConfigured)
        #expect(Integration(type: .alexa, secret: nil, now: now) == Integration(type: .alexa, status: .notConfigured))
        #expect(Integration(type: .alexa, secret: secret(expires: nil), now: now).maskedKey == "***4f2")
    }
}

struct ErrorRegistryTests {
    @Test func fixedCodesHaveTheGoPackagesScores() {
        #expect(ErrorCode.connectionFailed.sod == 160)
        #expect(ErrorCode.connectionFailed.level == .critical)
        #expect(ErrorCode.secretNotFound.sod == 24)
        #expect(ErrorCode.secretNotFound.level == .medium)
        #expect(ErrorCode.retrieveFailed.level == .high)
        #expect(ErrorCode.cacheWriteFailed.sod == 12)
        #expect(ErrorCode.cacheWriteFailed.level == .low)
    }

    @Test func errorsPrintCodeLevelAndTitle() {
        let error = KeyVaultError(.retrieveFailed, "HTTP 500", context: ["secret": "db"])
        #expect(
            error.description
                == "[INFRA-KEYVAULT-022] HIGH: Failed to retrieve secret from KeyVault: HTTP 500 (secret=db)")
    }

    @Test func registerErrorsAddsEveryCodeOnce() {
        let registry = ErrorRegistry()
        registerErrors(into: registry)
        registerErrors(into: registry)
        #expect(registry.all.count == ErrorCode.all.count)
        #expect(registry.code(for: "INFRA-KEYVAULT-030") == .cacheWriteFailed)
        #expect(Set(ErrorCode.all.map(\.id)).count == ErrorCode.all.count)
    }
}

struct RetryPolicyTests {
    let policy = RetryPolicy(initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1), maximumAttempts: 5)

    @Test func backoffDoublesWithJitterWithinHalfAndOneAndAHalf() {
        for attempt in 1...3 {
            let base = 100 * (1 << (attempt - 1))
            let low = policy.delay(afterAttempt: attempt, retryAfter: nil, remaining: .seconds(60), random: 0)
            let high = policy.delay(afterAttempt: attempt, retryAfter: nil, remaining: .seconds(60), random: 0.999_999)
            #expect(low == .milliseconds(base / 2))
            #expect(high! < .milliseconds(base * 3 / 2))
        }
    }

    @Test func backoffIsCappedAndAttemptsAreBounded() {
        let patient = RetryPolicy(initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1), maximumAttempts: 10)
        #expect(patient.delay(afterAttempt: 6, retryAfter: nil, remaining: .seconds(60), random: 0.5) == .seconds(1))
        #expect(policy.delay(afterAttempt: 5, retryAfter: nil, remaining: .seconds(60), random: 0.5) == nil)
    }

    @Test func retryAfterIsHonouredAndTheDeadlineWins() {
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3, remaining: .seconds(60), random: 0.5) == .seconds(3))
        #expect(policy.delay(afterAttempt: 1, retryAfter: 3, remaining: .seconds(2), random: 0.5) == nil)
    }
}

struct CacheCodecTests {
    let key = Data((0..<32).map { UInt8($0) })
    let entry = CacheEntry.secret(Secret(properties: .init(name: "db", version: "v1"), value: "plaintext-marker-42"))
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    var later: Date { now + 300 }

    @Test func sealedEntriesHoldNoPlaintextAndOpenWithTheSameKeyAndName() throws {
        let codec = try CacheCodec(encryptionKey: key)
        let data = try codec.encode(entry, redisKey: "keyvault:secret:db", notAfter: later)
        #expect(data.range(of: Data("plaintext-marker-42".utf8)) == nil)
        #expect(data.starts(with: Array("KVE2".utf8)))
        #expect(codec.decode(data, redisKey: "keyvault:secret:db", now: now) == entry)
    }

    @Test func wrongKeySwappedNameOrMissingKeyReadAsMisses() throws {
        let sealed = try CacheCodec(encryptionKey: key).encode(entry, redisKey: "keyvault:secret:db", notAfter: later)
        let other = try CacheCodec(encryptionKey: Data(repeating: 7, count: 32))
        #expect(other.decode(sealed, redisKey: "keyvault:secret:db", now: now) == nil)
        #expect(try CacheCodec(encryptionKey: key).decode(sealed, redisKey: "keyvault:secret:other", now: now) == nil)
        #expect(try CacheCodec(encryptionKey: nil).decode(sealed, redisKey: "keyvault:secret:db", now: now) == nil)
        let codec = try CacheCodec(encryptionKey: key)
        #expect(codec.decode(Data("garbage".utf8), redisKey: "keyvault:secret:db", now: now) == nil)
        #expect(codec.decode(Data("KVE2".utf8), redisKey: "keyvault:secret:db", now: now) == nil)
        // A plain entry planted by someone who can write Redis is not taken for a sealed one.
        #expect(codec.decode(entry.binary, redisKey: "keyvault:secret:db", now: now) == nil)
    }

    @Test func anEntryReplayedAfterItsTimeIsAMiss() throws {
        let codec = try CacheCodec(encryptionKey: key)
        let sealed = try codec.encode(entry, redisKey: "keyvault:secret:db", notAfter: later)
        #expect(codec.decode(sealed, redisKey: "keyvault:secret:db", now: later) == entry)
        #expect(codec.decode(sealed, redisKey: "keyvault:secret:db", now: later + 0.001) == nil)
        // The time is inside the ciphertext: changing a byte of it breaks the tag.
        var tampered = sealed
        tampered[tampered.startIndex + 4 + 8 + 12] ^= 0x01
        #expect(codec.decode(tampered, redisKey: "keyvault:secret:db", now: now) == nil)
    }

    @Test func previousKeysOpenEntriesDuringARotationButNeverSeal() throws {
        let oldKey = Data(repeating: 9, count: 32)
        let before = try CacheCodec(encryptionKey: oldKey)
        let written = try before.encode(entry, redisKey: "k", notAfter: later)
        let rotating = try CacheCodec(encryptionKey: key, previousKeys: [Data(repeating: 3, count: 32), oldKey])
        #expect(rotating.decode(written, redisKey: "k", now: now) == entry)
        let rewritten = try rotating.encode(entry, redisKey: "k", notAfter: later)
        #expect(try CacheCodec(encryptionKey: key).decode(rewritten, redisKey: "k", now: now) == entry)
        #expect(before.decode(rewritten, redisKey: "k", now: now) == nil)
        // The entry names its key: the ID is the same for the same key, and reveals nothing of it.
        #expect(written[4..<12] == (try CacheCodec.Key(oldKey)).id)
        #expect(written[4..<12] != rewritten[4..<12])
        #expect(written.range(of: oldKey.prefix(8)) == nil)
        // After the rotation, without the old key: a miss.
        #expect(try CacheCodec(encryptionKey: key).decode(written, redisKey: "k", now: now) == nil)
    }

    @Test func plainEntriesWithoutAnyKey() throws {
        let codec = try CacheCodec(encryptionKey: nil)
        let data = try codec.encode(entry, redisKey: "k", notAfter: later)
        #expect(data == entry.binary)
        #expect(codec.decode(data, redisKey: "k", now: now) == entry)
    }

    @Test(arguments: [true, false])
    func theIntegrationDetailShowsWhatTheFullEntryShows(enabled: Bool) throws {
        let properties = SecretProperties(
            name: "user-u1-weather", version: "0f3c", enabled: enabled,
            expiresAt: Date(timeIntervalSince1970: 2_000_000_000),
            updatedAt: Date(timeIntervalSince1970: 1_700_000_000), tags: ["user-id": "u1", "owner": "iot/u1-weather"])
        let full = CacheEntry.secret(Secret(properties: properties, value: "api-key-4f2"))
        let codec = try CacheCodec(encryptionKey: key)
        let data = try codec.encode(full, redisKey: "k", notAfter: later)
        #expect(codec.decode(data, redisKey: "k", now: now) == full)
        guard case .secret(let summary)? = codec.decode(data, redisKey: "k", now: now, detail: .integration) else {
            Issue.record("no entry")
            return
        }
        #expect(
            Integration(type: .weather, secret: summary, now: now)
                == Integration(type: .weather, secret: Secret(properties: properties, value: "api-key-4f2"), now: now))
        #expect(summary.properties.tags.isEmpty)
    }

    @Test func keysMustBe32Bytes() {
        #expect(throws: KeyVaultError.self) { try CacheCodec(encryptionKey: Data(count: 16)) }
        #expect(throws: KeyVaultError.self) { try CacheCodec(encryptionKey: key, previousKeys: [Data(count: 31)]) }
    }
}

struct EnvironmentConfigurationTests {
    @Test func aTrailingSlashLeavesTheVaultURLHoweverItIsSet() throws {
        var config = ClientConfig(vaultURL: "https://a.vault.azure.net/")
        #expect(config.vaultURL == "https://a.vault.azure.net")
        config.vaultURL = "https://b.vault.azure.net/"
        #expect(config.vaultURL == "https://b.vault.azure.net")
        #expect(
            try CachedClientConfig.fromEnvironment(["KEYVAULT_URL": "https://c:4997/"]).keyVault.vaultURL
                == "https://c:4997")
    }

    @Test func defaultsFollowTheDesign() throws {
        let config = try CachedClientConfig.fromEnvironment([:])
        #expect(config.keyVault.vaultURL == "https://iot-keyvault:4997")
        #expect(config.keyVault.timeout == .seconds(30))
        #expect(config.cacheTTL == .seconds(300))
        #expect(config.cachePrefix == "keyvault:")
        #expect(config.redis.host == "localhost")
        #expect(config.redis.port == 6379)
        #expect(config.keyVault.credential.kind == "emulator")
        #expect(config.keyVault.insecureSkipVerify == false)
    }

    @Test func badValuesNameTheVariable() throws {
        #expect(throws: KeyVaultError.self) { try ClientConfig.fromEnvironment(["KEYVAULT_TIMEOUT": "soon"]) }
        #expect(throws: KeyVaultError.self) {
            try CachedClientConfig.fromEnvironment(["KEYVAULT_CACHE_ENCRYPTION_KEY": "c2hvcnQ="])
        }
        let key = Data(repeating: 1, count: 32).base64EncodedString()
        let other = Data(repeating: 2, count: 32).base64EncodedString()
        let previous = try CachedClientConfig.fromEnvironment([
            "KEYVAULT_CACHE_ENCRYPTION_KEY": key, "KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS": "\(other), \(key)",
        ]).previousEncryptionKeys
        #expect(previous == [Data(repeating: 2, count: 32), Data(repeating: 1, count: 32)])
        let error = #expect(throws: KeyVaultError.self) {
            try CachedClientConfig.fromEnvironment(["KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS": "\(key),c2hvcnQ="])
        }
        #expect(error?.context["variable"] == "KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS")
        #expect(throws: KeyVaultError.self) {
            try CachedClientConfig.fromEnvironment(["KEYVAULT_CACHE_ENCRYPTION_KEY": "\(key),\(other)"])
        }
        #expect(throws: KeyVaultError.self) {
            try ClientConfig.fromEnvironment(["KEYVAULT_CA_FILE": "/nonexistent.pem"])
        }
        #expect(throws: KeyVaultError.self) { try ClientConfig.fromEnvironment(["KEYVAULT_TLS_SKIP_VERIFY": "maybe"]) }
    }

    @Test func theRedisCommandTimeoutIsADuration() throws {
        #expect(try CachedClientConfig.fromEnvironment([:]).redis.commandTimeout == .seconds(2))
        #expect(
            try CachedClientConfig.fromEnvironment(["REDIS_COMMAND_TIMEOUT": "30s"]).redis.commandTimeout
                == .seconds(30))
        #expect(throws: KeyVaultError.self) {
            try CachedClientConfig.fromEnvironment(["REDIS_COMMAND_TIMEOUT": "soon"])
        }
    }

    @Test func theL1CacheSizeIsAWholeNumberOfEntries() throws {
        #expect(try CachedClientConfig.fromEnvironment([:]).l1CacheSize == 0)
        #expect(try CachedClientConfig.fromEnvironment(["KEYVAULT_L1_CACHE_SIZE": "1024"]).l1CacheSize == 1024)
        for bad in ["-1", "1.5", "many"] {
            let error = #expect(throws: KeyVaultError.self) {
                try CachedClientConfig.fromEnvironment(["KEYVAULT_L1_CACHE_SIZE": bad])
            }
            #expect(error?.code == .invalidInput)
            #expect(error?.context["variable"] == "KEYVAULT_L1_CACHE_SIZE")
        }
    }

    @Test func durationsParse() {
        #expect(EnvironmentConfiguration.parseDuration("30s") == .seconds(30))
        #expect(EnvironmentConfiguration.parseDuration("5m") == .seconds(300))
        #expect(EnvironmentConfiguration.parseDuration("250ms") == .milliseconds(250))
        #expect(EnvironmentConfiguration.parseDuration("2") == .seconds(2))
        #expect(EnvironmentConfiguration.parseDuration("-1s") == nil)
    }
}

struct InMemoryStoreAndHealthCheckerTests {
    @Test func inMemoryStoreBehavesLikeTheVault() async throws {
        let store = InMemorySecretStore()
        try await store.setSecret("Db", value: "v", attributes: .init(tags: ["a": "b"]))
        #expect(try await store.getSecret("db").value == "v")
        #expect(try await store.listSecrets().map(\.name) == ["Db"])
        try await store.deleteSecret("DB")
        await #expect(throws: KeyVaultError.self) { try await store.getSecret("db") }
        await #expect(throws: KeyVaultError.self) {
            try await store.setSecret("bad_name", value: "v", attributes: .init())
        }
    }

    @Test func healthCheckerReportsEachPartWithTimeouts() async {
        let checker = HealthChecker(timeout: .seconds(1))
        checker.register("ok") {}
        checker.register("failing") { throw KeyVaultError(.connectionFailed, "down") }
        checker.register("slow") { try await Task.sleep(for: .seconds(60)) }
        let report = await checker.check()
        #expect(report.healthy == false)
        #expect(report.unhealthyComponents == ["failing", "slow"])
        #expect(report["ok"]?.healthy == true)
        // Cut off at the 1 s timeout, not after the check's 60 s: half of those 60 s is a margin no
        // load reaches (2.1 s seen under the whole suite), and a timeout that did not fire exceeds it.
        print("health checker: the slow check was cut off after \(report["slow"]!.latency)")
        #expect(report["slow"]!.latency < .seconds(30))
    }
}
