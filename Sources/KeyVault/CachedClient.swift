import DurationUnits
public import Foundation
public import Logging
import Metrics
import Redis

/// Cache-aside access to Key Vault through Redis.
///
/// Reads try Redis, then the vault, then fill Redis with `cacheTTL`; concurrent misses of one key
/// make one vault call. "Not found" is cached for `negativeTTL`. Writes go to the vault, then
/// invalidate every Redis entry that can hold that secret. Redis failures never fail a read: they
/// are logged (030/031), counted, and the read goes to the vault.
///
/// With `l1CacheSize` above 0, reads of single entries try an in-process cache first. A
/// subscription to Redis's key-invalidation notifications for `cachePrefix` evicts what anyone
/// changes; while that subscription is down, the in-process cache is empty and unused.
public final class CachedClient: SecretStore {
    public let config: CachedClientConfig
    /// The vault client underneath.
    public let vault: KeyVaultClient
    let redis: RedisClient
    let codec: CacheCodec
    let counters = CacheCounters()
    let flights = SingleFlight<CacheEntry>()
    /// The in-process cache, when `l1CacheSize` is above 0.
    let l1: L1Cache?
    /// Applies Redis's invalidation notifications to `l1` until `close()`. A task of the client's
    /// own rather than a `Service`: callers use the client from plain code, without a service group.
    let l1Subscription: Task<Void, Never>?
    let logger: Logger
    let hitCounter = Counter(label: "keyvault_cache_hits_total")
    let missCounter = Counter(label: "keyvault_cache_misses_total")

    /// - Throws: `KeyVaultError` for an invalid vault URL, CA bundle, encryption key or Redis TLS file.
    public init(
        config: CachedClientConfig,
        logger: Logger = Logger(label: "keyvault", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.config = config
        self.logger = logger
        vault = try KeyVaultClient(config: config.keyVault, logger: logger)
        codec = try CacheCodec(encryptionKey: config.encryptionKey, previousKeys: config.previousEncryptionKeys)
        redis = RedisClient(configuration: try config.redis.clientConfiguration())
        if config.redis.tls?.skipVerify == true {
            logger.warning(
                "REDIS_TLS_SKIP_VERIFY is set: the Redis server's certificate is not verified (development only)",
                metadata: ["redis": "\(config.redis.host):\(config.redis.port)"])
        }
        guard config.l1CacheSize > 0 else {
            l1 = nil
            l1Subscription = nil
            return
        }
        let l1 = L1Cache(capacity: config.l1CacheSize)
        let invalidations = RedisKeyInvalidations(
            configuration: redis.configuration, prefixes: [config.cachePrefix], logger: logger)
        self.l1 = l1
        l1Subscription = Task {
            await invalidations.run(l1.apply)
            l1.reset(live: false)
        }
    }

    deinit { l1Subscription?.cancel() }

    /// Closes the vault and Redis connections (and the in-process cache's subscription).
    public func close() {
        l1Subscription?.cancel()
        vault.close()
        redis.close()
    }

    // MARK: Secrets

    /// The latest version, from Redis when cached.
    public func getSecret(_ name: String) async throws -> Secret {
        try SecretNames.validate(name)
        switch try await cachedEntry(redisKey: secretKey(name), secretName: name) {
        case .secret(let secret): return secret
        case .notFound: throw KeyVaultError(.secretNotFound, "no such secret", context: ["secret": name])
        }
    }

    /// Writes the vault, then invalidates the cache.
    @discardableResult
    public func setSecret(
        _ name: String, value: String, attributes: SecretAttributes = .init()
    ) async throws -> SecretProperties {
        let properties = try await vault.setSecret(name, value: value, attributes: attributes)
        await invalidate(secretName: name)
        return properties
    }

    /// `setSecret` with the Go package's parameters.
    @discardableResult
    public func setSecret(
        name: String, value: String, contentType: String? = nil, expiresAt: Date? = nil, tags: [String: String]? = nil
    )
        async throws -> SecretProperties
    {
        try await setSecret(
            name, value: value, attributes: SecretAttributes(contentType: contentType, expiresAt: expiresAt, tags: tags)
        )
    }

    /// Deletes in the vault, then invalidates the cache.
    public func deleteSecret(_ name: String) async throws {
        do {
            try await vault.deleteSecret(name)
        } catch {
            await invalidate(secretName: name)
            throw error
        }
        await invalidate(secretName: name)
    }

    /// Every secret's metadata (not cached).
    public func listSecrets() async throws -> [SecretProperties] {
        try await vault.listSecrets()
    }

    // MARK: Statistics and health

    public func cacheStats() -> CacheStats {
        counters.snapshot
    }

    /// Whether Redis answers now (the operator's `CacheWarmed` condition).
    public func cacheAvailable() async -> Bool {
        await cacheProblem() == nil
    }

    /// Why Redis does not answer now (no value ever appears in it), or `nil` when it does.
    package func cacheProblem() async -> String? {
        do {
            try await redis.ping()
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The vault's and Redis's health, each with its latency; the report names what is down.
    public func health() async -> HealthReport {
        async let vaultHealth = Self.measure("keyvault") { try await self.vault.health() }
        async let redisHealth = Self.measure("redis") { try await self.redis.ping() }
        return HealthReport(components: [await vaultHealth, await redisHealth])
    }

    private static func measure(_ name: String, _ check: @Sendable () async throws -> Void) async -> ComponentHealth {
        let started = ContinuousClock.now
        do {
            try await check()
            return ComponentHealth(name: name, healthy: true, latency: ContinuousClock.now - started)
        } catch {
            return ComponentHealth(
                name: name, healthy: false, latency: ContinuousClock.now - started, error: "\(error)")
        }
    }

    // MARK: Cache machinery

    /// Vault names are case-insensitive, so are their cache keys (names are ASCII: most need no change).
    func secretKey(_ name: String) -> String {
        let lowered =
            name.utf8.contains { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) } ? name.lowercased() : name
        return config.cachePrefix + "secret:" + lowered
    }
    func integrationKey(_ key: IntegrationKey) -> String { config.cachePrefix + key.logicalKey }

    /// The Redis keys of a user's integrations, in `IntegrationType.allCases` order, from one shared prefix.
    func integrationKeys(userID: String) -> [String] {
        let prefix = config.cachePrefix + IntegrationKey.logicalKeyPrefix(userID: userID)
        return IntegrationType.allCases.map { prefix + $0.rawValue }
    }

    /// Every Redis key that can hold the vault secret `name`: its secret key and, for an
    /// integration's secret, its integration key (docs/crd-reference.md, "Redis keys").
    func cacheKeys(forSecret name: String) -> [String] {
        var keys = [secretKey(name)]
        if let integration = IntegrationKey(secretName: name) { keys.append(integrationKey(integration)) }
        return keys
    }

    /// Reads through the caches (in process, then Redis); the vault on a miss, once for concurrent
    /// misses of one key. Only full entries fill the in-process cache.
    func cachedEntry(redisKey: String, secretName: String) async throws -> CacheEntry {
        if let entry = l1?.entry(forKey: redisKey) {
            counters.l1Hit()
            hitCounter.increment()
            return entry
        }
        let l1Ticket = l1?.ticket ?? 0
        let ticket = flights.ticket()
        let entry: CacheEntry
        if let cached = await readCache(redisKey) {
            counters.hit()
            hitCounter.increment()
            entry = cached
        } else {
            counters.miss()
            missCounter.increment()
            entry = try await fetchAndFill(redisKey: redisKey, secretName: secretName, since: ticket)
        }
        l1?.fill(redisKey, entry, ttl: ttl(of: entry), since: l1Ticket)
        return entry
    }

    /// The vault's entry, written to Redis; one vault call for concurrent callers, and none for a
    /// caller whose `ticket` predates a call that just completed.
    func fetchAndFill(redisKey: String, secretName: String, since ticket: UInt64? = nil) async throws -> CacheEntry {
        try await flights.run(key: redisKey, since: ticket) {
            let entry: CacheEntry
            do {
                entry = .secret(try await vault.getSecret(secretName))
            } catch let error as KeyVaultError where error.code == .secretNotFound {
                entry = .notFound
            }
            await writeCache(redisKey, entry)
            return entry
        }
    }

    /// The cached entry, or `nil` on a miss, an unreadable entry or a Redis error.
    func readCache(_ redisKey: String) async -> CacheEntry? {
        do {
            guard let data = try await redis.get(redisKey) else { return nil }
            return decodeEntry(data, redisKey: redisKey)
        } catch {
            cacheError(.cacheReadFailed, error, key: redisKey)
            return nil
        }
    }

    func decodeEntry(_ data: Data, redisKey: String, detail: CacheEntry.Detail = .full) -> CacheEntry? {
        guard !data.isEmpty else { return nil }
        guard let entry = codec.decode(data, redisKey: redisKey, now: Date(), detail: detail) else {
            logger.warning(
                "cache entry unreadable (unknown encryption key, format, or past its time): treated as a miss",
                metadata: ["kv.cache.key": "\(redisKey)"])
            return nil
        }
        return entry
    }

    /// How long `entry` is cached: `cacheTTL`, or `negativeTTL` for "not found".
    func ttl(of entry: CacheEntry) -> Duration {
        entry == .notFound ? config.negativeTTL : config.cacheTTL
    }

    func writeCache(_ redisKey: String, _ entry: CacheEntry) async {
        let ttl = ttl(of: entry)
        do {
            let data = try codec.encode(entry, redisKey: redisKey, notAfter: Date() + ttl.inSeconds)
            try await redis.set(redisKey, data, expiration: .milliseconds(max(1, ttl.inMilliseconds)))
        } catch {
            cacheError(.cacheWriteFailed, error, key: redisKey)
        }
    }

    /// Removes every entry that can hold `secretName`. Each key is written before it is deleted, so
    /// Redis's key-invalidation notifications fire even when nothing was cached. The in-process
    /// cache drops them at once, without waiting for the notification.
    public func invalidate(secretName: String) async {
        let keys = cacheKeys(forSecret: secretName)
        keys.forEach(flights.forget)
        var commands: [RedisCommand] = keys.map { .set($0, Data(), expiration: .milliseconds(1)) }
        commands.append(.del(keys))
        do {
            _ = try await redis.pipeline(commands)
        } catch {
            cacheError(.cacheWriteFailed, error, key: keys[0])
        }
        // After Redis: a read that began before this and got the old entry from Redis is refused.
        l1?.evict(keys)
    }

    func cacheError(_ code: ErrorCode, _ error: any Error, key: String) {
        counters.error()
        logger.warning(
            "\(code.description)",
            metadata: ["kv.error.code": "\(code.id)", "kv.cache.key": "\(key)", "kv.error": "\(error)"])
    }
}
