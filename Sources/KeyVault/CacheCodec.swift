import Crypto
import Foundation

/// What the cache holds for a key: a secret, or the fact that there is none.
enum CacheEntry: Sendable, Equatable {
    case secret(Secret)
    case notFound
}

/// Turns cache entries into Redis bytes and back. With a key, an entry is AES-GCM sealed:
/// `KVE2`, the key's ID (8 bytes), then nonce, ciphertext and tag. The plaintext starts with the
/// entry's not-after time, and the magic, the key ID and the Redis key are the associated data. So
/// an entry copied under another key, read with an unknown key, or replayed into Redis after its
/// TTL, is a miss.
struct CacheCodec: Sendable {
    static let sealedMagic: [UInt8] = Array("KVE2".utf8)
    static let keyIDLength = 8

    /// A key by its ID (`SymmetricKey` is not `Sendable`: its bytes).
    struct Key: Sendable {
        let id: Data
        let bytes: Data

        init(_ bytes: Data) throws {
            guard bytes.count == 32 else {
                throw KeyVaultError(
                    .invalidInput,
                    "cache encryption keys must be 32 bytes (base64 in KEYVAULT_CACHE_ENCRYPTION_KEY and _PREVIOUS)")
            }
            self.bytes = bytes
            // Names the key without revealing it: a hash under a label of its own.
            id = Data(SHA256.hash(data: Data("keyvault-cache-key-id:".utf8) + bytes).prefix(CacheCodec.keyIDLength))
        }
    }

    /// The key entries are sealed with; `nil`: entries are written and read in plain form.
    let current: Key?
    /// The current key first, then the previous ones: every key that may open an entry.
    let openingKeys: [Key]

    /// - Parameters:
    ///   - encryptionKey: the key new entries are sealed with (32 bytes), or `nil` for plain entries.
    ///   - previousKeys: keys that still open entries during a rotation; never used to seal.
    init(encryptionKey: Data?, previousKeys: [Data] = []) throws {
        current = try encryptionKey.map(Key.init)
        openingKeys = try (current.map { [$0] } ?? []) + previousKeys.map(Key.init)
    }

    /// Redis bytes of `entry` under `redisKey`, readable until `notAfter` (sealed entries only).
    func encode(_ entry: CacheEntry, redisKey: String, notAfter: Date) throws -> Data {
        let plain = entry.binary
        guard let current else { return plain }
        var prefixed = Data(capacity: 8 + plain.count)
        withUnsafeBytes(of: Int64(notAfter.timeIntervalSince1970 * 1000).bigEndian) { prefixed.append(contentsOf: $0) }
        prefixed.append(plain)
        let sealed = try AES.GCM.seal(
            prefixed, using: SymmetricKey(data: current.bytes),
            authenticating: Self.associatedData(keyID: current.id, redisKey: redisKey))
        guard let combined = sealed.combined else { throw KeyVaultError(.cacheWriteFailed, "AES-GCM sealing failed") }
        return Data(Self.sealedMagic) + current.id + combined
    }

    /// The entry, or `nil` when the bytes are not an entry this codec can read at `now` (a miss).
    func decode(_ data: Data, redisKey: String, now: Date, detail: CacheEntry.Detail = .full) -> CacheEntry? {
        let isSealed = data.starts(with: Self.sealedMagic)
        guard !openingKeys.isEmpty else { return isSealed ? nil : CacheEntry(binary: data, detail: detail) }
        // With a key, a plain or older-format entry is refused: it carries no proof of who wrote it.
        let idStart = data.startIndex + Self.sealedMagic.count, boxStart = idStart + Self.keyIDLength
        guard isSealed, data.count > boxStart - data.startIndex else { return nil }
        let keyID = data[idStart..<boxStart]
        guard let key = openingKeys.first(where: { $0.id == keyID }),
            let box = try? AES.GCM.SealedBox(combined: data[boxStart...]),
            let opened = try? AES.GCM.open(
                box, using: SymmetricKey(data: key.bytes),
                authenticating: Self.associatedData(keyID: key.id, redisKey: redisKey)),
            opened.count > 8
        else { return nil }
        let notAfter = opened.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard Int64(now.timeIntervalSince1970 * 1000) <= notAfter else { return nil }
        return CacheEntry(binary: opened.dropFirst(8), detail: detail)
    }

    private static func associatedData(keyID: Data, redisKey: String) -> Data {
        Data(sealedMagic) + keyID + Data(redisKey.utf8)
    }
}
