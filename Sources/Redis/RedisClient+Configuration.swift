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

        public init(
            host: String = "localhost", port: Int = 6379, username: String? = nil, password: String? = nil,
            database: Int = 0, poolSize: Int = 8, connectTimeout: Duration = .seconds(2),
            commandTimeout: Duration = .seconds(2), inlineReplyWait: Duration = .milliseconds(1)
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
        }
    }
}
