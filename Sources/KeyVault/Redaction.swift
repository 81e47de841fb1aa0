/// What reflection shows in place of a value or a credential.
package let redactedMarker = "<redacted>"

// Types that hold a secret value, a password, a key or a client secret show names, never those,
// in `description`, `debugDescription`, `dump` and any other use of `Mirror`.

extension Secret: CustomDebugStringConvertible, CustomReflectable {
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["properties": properties, "value": redactedMarker], displayStyle: .struct)
    }
}

extension Credential: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { summary }
    public var debugDescription: String { summary }
    public var customMirror: Mirror { Mirror(self, children: ["summary": summary], displayStyle: .enum) }
}

extension CachedClientConfig: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "keyVault": keyVault, "redis": redis, "cacheTTL": cacheTTL, "cachePrefix": cachePrefix,
                "negativeTTL": negativeTTL, "encryptionKey": encryptionKey.map { _ in redactedMarker } as Any,
                "previousEncryptionKeys": previousEncryptionKeys.map { _ in redactedMarker },
                "l1CacheSize": l1CacheSize,
            ], displayStyle: .struct)
    }
}

extension CachedClientConfig.RedisConfig: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "username": username as Any,
                "password": password.map { _ in redactedMarker } as Any, "db": db, "poolSize": poolSize,
                "tls": tls as Any, "cluster": cluster, "commandTimeout": commandTimeout,
            ], displayStyle: .struct)
    }
}

extension RedisURL: CustomReflectable {
    var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "username": username as Any,
                "password": password.map { _ in redactedMarker } as Any, "database": database, "tls": tls,
            ], displayStyle: .struct)
    }
}
