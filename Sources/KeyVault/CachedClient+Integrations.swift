public import Foundation
import Logging
import Metrics
import Redis

extension CachedClient {
    /// A user's integration: `connected`, `expired` or `notConfigured`, with a masked key.
    public func getUserIntegration(userID: String, type: IntegrationType) async throws -> Integration {
        let key = IntegrationKey(userID: userID, type: type)
        try validate(userID: userID)
        let entry = try await cachedEntry(redisKey: integrationKey(key), secretName: key.secretName)
        return Self.integration(type: type, entry: entry)
    }

    /// All eight integrations of a user: the cached ones in one Redis round trip, the misses
    /// fetched from the vault concurrently.
    public func listUserIntegrations(userID: String) async throws -> [Integration] {
        try validate(userID: userID)
        let types = IntegrationType.allCases
        let redisKeys = integrationKeys(userID: userID)
        let ticket = flights.ticket()
        var cached: [Data?]
        do {
            cached = try await redis.mget(redisKeys)
        } catch {
            cacheError(.cacheReadFailed, error, key: redisKeys[0])
            cached = Array(repeating: nil, count: types.count)
        }
        let now = Date()
        var integrations = cached.indices.map { index in
            cached[index].flatMap { decodeEntry($0, redisKey: redisKeys[index], detail: .integration) }
                .map { Self.integration(type: types[index], entry: $0, now: now) }
        }
        let misses = integrations.indices.filter { integrations[$0] == nil }
        counters.hit(types.count - misses.count)
        counters.miss(misses.count)
        hitCounter.increment(by: types.count - misses.count)
        missCounter.increment(by: misses.count)
        if !misses.isEmpty {
            try await withThrowingTaskGroup(of: (Int, CacheEntry).self) { group in
                for index in misses {
                    let secretName = IntegrationKey(userID: userID, type: types[index]).secretName
                    group.addTask {
                        (
                            index,
                            try await self.fetchAndFill(
                                redisKey: redisKeys[index], secretName: secretName, since: ticket)
                        )
                    }
                }
                for try await (index, entry) in group {
                    integrations[index] = Self.integration(type: types[index], entry: entry, now: now)
                }
            }
        }
        return integrations.compactMap { $0 }
    }

    /// Stores a user's credential for an integration (optionally expiring), then invalidates the cache.
    /// The secret's existing tags are kept (the `owner` tag above all: the operator's record of which
    /// UserIntegration owns it), at the cost of one vault read.
    @discardableResult
    public func setUserIntegration(
        userID: String, type: IntegrationType, value: String, expiresAt: Date? = nil
    ) async throws -> Integration {
        let key = IntegrationKey(userID: userID, type: type)
        try validate(userID: userID)
        var tags = try await currentTags(of: key.secretName)
        tags["user-id"] = userID
        tags["integration-type"] = type.rawValue
        let properties = try await setSecret(
            key.secretName, value: value, attributes: SecretAttributes(expiresAt: expiresAt, tags: tags))
        return Integration(type: type, secret: Secret(properties: properties, value: value))
    }

    /// Removes a user's integration; removing one that is not configured is not an error.
    public func deleteUserIntegration(userID: String, type: IntegrationType) async throws {
        let key = IntegrationKey(userID: userID, type: type)
        try validate(userID: userID)
        do {
            try await deleteSecret(key.secretName)
        } catch let error as KeyVaultError where error.code == .secretNotFound {
            return
        }
    }

    /// User IDs are lowercase ASCII letters, digits and inner dashes (checked on the UTF-8 bytes:
    /// Unicode property look-ups were a fifth of a cached list's time).
    private func validate(userID: String) throws {
        let bytes = userID.utf8
        let valid =
            !bytes.isEmpty && bytes.count <= 63 && bytes.first != UInt8(ascii: "-") && bytes.last != UInt8(ascii: "-")
            && bytes.allSatisfy {
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "-")
            }
        guard valid else {
            throw KeyVaultError(
                .invalidInput, "user IDs are lowercase letters, digits and inner dashes, at most 63 characters",
                context: ["user": userID])
        }
    }

    static func integration(type: IntegrationType, entry: CacheEntry, now: Date = Date()) -> Integration {
        switch entry {
        case .secret(let secret): Integration(type: type, secret: secret, now: now)
        case .notFound: Integration(type: type, status: .notConfigured)
        }
    }
}
