import Crypto
import Foundation

/// What the cache holds for a key: a secret, or the fact that there is none.
enum CacheEntry: Sendable, Equatable {
    case secret(Secret)
    case notFound
}

/// Turns cache entries into Redis bytes and back; with a key, AES-GCM sealed with the Redis key
/// as associated data, so an entry copied under another key, or read with another key, is a miss.
struct CacheCodec: Sendable {
    /// Marks sealed entries: `KVE1` + nonce + ciphertext + tag.
    static let sealedMagic: [UInt8] = Array("KVE1".utf8)
    /// The key's bytes (`SymmetricKey` is not `Sendable`).
    let keyBytes: Data?

    init(encryptionKey: Data?) throws {
        if let key = encryptionKey, key.count != 32 {
            throw KeyVaultError(
                .invalidInput, "the cache encryption key must be 32 bytes (base64 in KEYVAULT_CACHE_ENCRYPTION_KEY)")
        }
        keyBytes = encryptionKey
    }

    func encode(_ entry: CacheEntry, redisKey: String) throws -> Data {
        let plain = entry.binary
        guard let keyBytes else { return plain }
        let sealed = try AES.GCM.seal(plain, using: SymmetricKey(data: keyBytes), authenticating: Data(redisKey.utf8))
        guard let combined = sealed.combined else { throw KeyVaultError(.cacheWriteFailed, "AES-GCM sealing failed") }
        return Data(Self.sealedMagic) + combined
    }

    /// The entry, or `nil` when the bytes are not an entry this codec can read (a miss).
    func decode(_ data: Data, redisKey: String, detail: CacheEntry.Detail = .full) -> CacheEntry? {
        var plain = data
        let isSealed = data.withUnsafeBytes { $0.prefix(Self.sealedMagic.count).elementsEqual(Self.sealedMagic) }
        if let keyBytes {
            guard isSealed, let box = try? AES.GCM.SealedBox(combined: data.dropFirst(Self.sealedMagic.count)),
                let opened = try? AES.GCM.open(
                    box, using: SymmetricKey(data: keyBytes), authenticating: Data(redisKey.utf8))
            else { return nil }
            plain = opened
        } else if isSealed {
            return nil
        }
        return CacheEntry(binary: plain, detail: detail)
    }
}
