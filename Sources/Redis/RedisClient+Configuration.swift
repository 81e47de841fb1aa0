extension RedisClient {
    /// Where Redis is and how to use it.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The ACL user name (Redis 6+); `nil` authenticates as the default user.
        public var username: String?
        public var password: String?
        public var database: Int
        /// The number of connections, each with its own thread.
        public var poolSize: Int
        public var connectTimeout: Duration
        /// The limit on one command or pipeline's reply.
        public var commandTimeout: Duration

        public init(
            host: String = "localhost", port: Int = 6379, username: String? = nil, password: String? = nil,
            database: Int = 0, poolSize: Int = 8, connectTimeout: Duration = .seconds(2),
            commandTimeout: Duration = .seconds(2)
        ) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.database = database
            self.poolSize = max(1, poolSize)
            self.connectTimeout = connectTimeout
            self.commandTimeout = commandTimeout
        }
    }
}
