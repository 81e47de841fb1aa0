package import Logging
import Redis

/// What the operator needs beyond cache-aside: entries kept equal to the vault without needless
/// writes (each write is a key-invalidation notification), and the notifications themselves.
/// `package`: for this package's operator, not part of the library's public API.
extension CachedClient {
    /// Makes every cache entry of `secret` hold it (pre-warming); entries that already do are left
    /// alone. Returns whether anything was written. Redis failures are logged, not thrown.
    @discardableResult
    package func warm(_ secret: Secret) async -> Bool {
        var wrote = false
        for key in cacheKeys(forSecret: secret.properties.name) where await readCache(key) != .secret(secret) {
            await writeCache(key, .secret(secret))
            l1?.evict([key])
            wrote = true
        }
        return wrote
    }

    /// How long the entry of `secretName` that apps read (its integration entry, else its secret
    /// entry) has left in Redis; `nil` when there is none, it never expires, or Redis is unreachable.
    package func cachedTimeToLive(secretName: String) async -> Duration? {
        guard let key = cacheKeys(forSecret: secretName).last, let milliseconds = try? await redis.pttl(key),
            milliseconds >= 0
        else { return nil }
        return .milliseconds(milliseconds)
    }

    /// Invalidates the cache entries of `secretName` when one holds a value (a cached "not found"
    /// stays). Returns whether anything was invalidated.
    @discardableResult
    package func dropCachedValue(secretName: String) async -> Bool {
        for key in cacheKeys(forSecret: secretName) {
            if case .secret = await readCache(key) {
                await invalidate(secretName: secretName)
                return true
            }
        }
        return false
    }

    /// The secret Redis holds for `secretName` under its integration key (or its secret key), or
    /// `nil`: no entry, "not found", or Redis unreachable.
    package func cachedSecret(_ secretName: String) async -> Secret? {
        guard case .secret(let secret) = await readCache(cacheKeys(forSecret: secretName).last ?? secretKey(secretName))
        else { return nil }
        return secret
    }

    /// The integration an integration cache key (`{cachePrefix}user:{userId}:{type}`) belongs to.
    package func integration(ofCacheKey key: String) -> IntegrationKey? {
        guard key.hasPrefix(config.cachePrefix) else { return nil }
        return IntegrationKey(logicalKey: key.dropFirst(config.cachePrefix.count))
    }

    /// Delivers Redis's invalidation notifications for every integration entry to `handler` (on a
    /// dedicated thread) until the task is cancelled: how the operator learns within milliseconds
    /// that an app wrote an integration through this library.
    package func watchIntegrationInvalidations(
        logger: Logger, _ handler: @escaping @Sendable (CacheInvalidation) -> Void
    ) async {
        let subscription = RedisKeyInvalidations(
            configuration: redis.configuration, prefixes: [config.cachePrefix + "user:"], logger: logger)
        await subscription.run { [self] notification in
            switch notification {
            case .keys(let keys): handler(.integrations(Set(keys.compactMap(integration(ofCacheKey:)))))
            case .everything: handler(.everything)
            case .lost: handler(.lost)
            }
        }
    }
}

/// What a watch of the cache's integration entries reports.
package enum CacheInvalidation: Sendable, Equatable {
    /// The entries of these integrations changed (written, deleted or expired).
    case integrations(Set<IntegrationKey>)
    /// Anything may have changed unseen: the subscription (re)started, or Redis flushed.
    case everything
    /// The subscription failed: changes go unreported until the next `.everything`.
    case lost
}
