public import struct Foundation.Data

/// How `CachedClient` reaches the vault and Redis, and how long it caches.
public struct CachedClientConfig: Sendable {
    /// Where Redis is.
    public struct RedisConfig: Sendable {
        public var host: String
        public var port: Int
        /// The ACL user (Redis 6+); `nil` authenticates as the default user.
        public var username: String?
        public var password: String?
        public var db: Int
        public var poolSize: Int
        /// TLS to Redis; `nil` speaks plain TCP.
        public var tls: TLS?
        /// `host` is a seed node of a Redis Cluster (whose keys all live in database 0).
        public var cluster: Bool
        /// The limit on one command's reply (`REDIS_COMMAND_TIMEOUT`); past it the read falls
        /// through to the vault.
        public var commandTimeout: Duration

        public init(
            host: String = "localhost", port: Int = 6379, username: String? = nil, password: String? = nil, db: Int = 0,
            poolSize: Int = 8, tls: TLS? = nil, cluster: Bool = false, commandTimeout: Duration = .seconds(2)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.db = db
            self.poolSize = poolSize
            self.tls = tls
            self.cluster = cluster
            self.commandTimeout = commandTimeout
        }

        /// How TLS to Redis is verified: the server's certificate chain and name, unless `skipVerify`.
        public struct TLS: Sendable, Equatable {
            /// PEM certificates to trust; `nil` trusts the system's roots.
            public var caFile: String?
            /// A PEM client certificate and its key, for mutual TLS.
            public var certificateFile: String?
            public var keyFile: String?
            /// The name sent (SNI) and verified; `nil` uses `host`.
            public var serverName: String?
            /// Development only: any certificate is accepted (a warning is logged at start-up).
            public var skipVerify: Bool

            public init(
                caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil,
                serverName: String? = nil, skipVerify: Bool = false
            ) {
                self.caFile = caFile
                self.certificateFile = certificateFile
                self.keyFile = keyFile
                self.serverName = serverName
                self.skipVerify = skipVerify
            }
        }
    }

    public var keyVault: ClientConfig
    public var redis: RedisConfig
    /// How long a value stays cached.
    public var cacheTTL: Duration
    /// Prefix of every Redis key.
    public var cachePrefix: String
    /// How long "not found" stays cached (a set invalidates it at once).
    public var negativeTTL: Duration
    /// A 32-byte AES-GCM key: when set, Redis holds only ciphertext of secret values.
    public var encryptionKey: Data?
    /// Keys that still open cached entries during a key rotation (never used to seal).
    public var previousEncryptionKeys: [Data]
    /// The most entries held in process in front of Redis (kept coherent through Redis's
    /// key-invalidation notifications); 0, the default, turns that cache off.
    public var l1CacheSize: Int

    public init(
        keyVault: ClientConfig = .init(), redis: RedisConfig = .init(), cacheTTL: Duration = .seconds(300),
        cachePrefix: String = "keyvault:", negativeTTL: Duration = .seconds(30), encryptionKey: Data? = nil,
        l1CacheSize: Int = 0, previousEncryptionKeys: [Data] = []
    ) {
        self.keyVault = keyVault
        self.redis = redis
        self.cacheTTL = cacheTTL
        self.cachePrefix = cachePrefix
        self.negativeTTL = negativeTTL
        self.encryptionKey = encryptionKey
        self.previousEncryptionKeys = previousEncryptionKeys
        self.l1CacheSize = l1CacheSize
    }
}
