public import Redis

extension TestEnvironment {
    /// The Redis command timeout of tests' clients. A command timeout is a wall-clock bound: on a
    /// loaded 2-core machine the whole test process can stall for seconds (dozens of suites start
    /// servers and operators at once), and a test must not fail for that. Tests of timeouts set
    /// their own.
    public static let redisCommandTimeout: Duration = .seconds(30)
}

extension RedisClient.Configuration {
    /// This configuration with `TestEnvironment.redisCommandTimeout`, unless it has another
    /// timeout than the default already.
    public var patient: Self {
        var patient = self
        if commandTimeout == Self().commandTimeout { patient.commandTimeout = TestEnvironment.redisCommandTimeout }
        return patient
    }
}

extension RedisClient {
    /// A client for a test: `configuration.patient`.
    public convenience init(patient configuration: Configuration) {
        self.init(configuration: configuration.patient)
    }
}
