import Foundation
import FuzzSupport

@testable import KeyVault

let plain = try! CacheCodec(encryptionKey: nil)
let sealed = try! CacheCodec(encryptionKey: Data(repeating: 7, count: 32))

/// Bytes read from Redis for a cache key, decoded without and with an encryption key.
fuzz { data in
    for detail in [CacheEntry.Detail.full, .integration] {
        _ = plain.decode(data, redisKey: "keyvault:secret:fuzz", detail: detail)
        _ = sealed.decode(data, redisKey: "keyvault:secret:fuzz", detail: detail)
    }
}
