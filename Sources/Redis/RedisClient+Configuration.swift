extension RedisClient {
    /// Where Redis is and how to use it.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The ACL user name (Redis 6+); `nil` authenticates as the default user.
        public var username: String?
        public var password: String?
        public var database: Int
        /// The most connections opened; commands from many callers are pipelined on them.
        public var poolSize: Int
        public var connectTimeout: Duration
        /// The limit on one command or pipeline's reply.
        public var commandTimeout: Duration
        /// How long a caller with nothing else in flight on the client waits for its reply on its
        /// own thread before the event loop takes over; `.zero` always leaves it to the event loop.
        /// Holding the thread for a nearby Redis's round trip saves a thread wake-up per command;
        /// one caller in the process at a time does so.
        public var inlineReplyWait: Duration
        /// TLS to the server; `nil` speaks plain TCP.
        public var tls: TLSConfiguration?
        /// The largest reply accepted: a larger one (or one that claims to be) fails its command
        /// and drops the connection, so a broken or hostile server cannot make memory grow.
        public var maxReplyBytes: Int
        /// The deepest nesting of arrays accepted in a reply (hiredis itself stops at 7).
        public var maxReplyDepth: Int
        /// `host` and `port` are a seed node of a Redis Cluster: the client learns the slot map
        /// from it and sends each command to the master of its key's slot.
        public var cluster: Bool

        public init(
            host: String = "localhost", port: Int = 6379, username: String? = nil, password: String? = nil,
            database: Int = 0, poolSize: Int = 8, connectTimeout: Duration = .seconds(2),
            commandTimeout: Duration = .seconds(2), inlineReplyWait: Duration = .milliseconds(1),
            tls: TLSConfiguration? = nil, maxReplyBytes: Int = 64 << 20, maxReplyDepth: Int = 5,
            cluster: Bool = false
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.poolSize = max(1, poolSize)
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
            self.inlineReplyWait = inlineReplyWait
            self.tls = tls
            self.maxReplyBytes = maxReplyBytes
            self.maxReplyDepth = maxReplyDepth
            self.cluster = cluster
        }
    }
}
