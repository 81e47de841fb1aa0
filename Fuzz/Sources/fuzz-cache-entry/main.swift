import Foundation
import FuzzSupport

@testable import KeyVault

let plain = try! CacheCodec(encryptionKey: nil)
let sealed = try! CacheCodec(
    encryptionKey: Data(repeating: 7, count: 32), previousKeys: [Data(repeating: 9, count: 32)])

/// Bytes read from Redis for a cache key, decoded without and with encryption keys (the sealed
/// path parses the magic, the key ID and the box before AES-GCM refuses what it did not seal).
fuzz { data in
    let now = Date()
    for detail in [CacheEntry.Detail.full, .integration] {
        _ = plain.decode(data, redisKey: "keyvault:secret:fuzz", now: now, detail: detail)
        _ = sealed.decode(data, redisKey: "keyvault:secret:fuzz", now: now, detail: detail)
    }
}
