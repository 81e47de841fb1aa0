/// How the emulator serves: address, TLS, persistence, authentication and injected faults.
public struct EmulatorConfiguration: Sendable {
    /// Where the TLS identity comes from.
    public enum TLS: Sendable {
        /// Generate a CA and a server certificate for these host names and addresses.
        case generated(hosts: [String])
        /// Use these PEM files.
        case files(certificate: String, key: String)
        /// Plain HTTP (the official SDK refuses it; for quick local checks only).
        case disabled
    }

    /// Faults injected into vault requests, for testing clients. All off by default.
    public struct Faults: Sendable {
        /// The share of requests answered 429 `Throttled` (half of them with `Retry-After`).
        public var throttleRate: Double
        /// The share of requests answered 503.
        public var errorRate: Double
        /// Added to every vault request.
        public var latency: Duration
        /// The `Retry-After` seconds sent with throttled responses that carry one.
        public var retryAfterSeconds: Int

        public init(
            throttleRate: Double = 0, errorRate: Double = 0, latency: Duration = .zero, retryAfterSeconds: Int = 1
        ) {
            self.throttleRate = throttleRate
            self.errorRate = errorRate
            self.latency = latency
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    public var host: String
    public var port: Int
    /// Where secrets, the token key and generated certificates persist; `nil` keeps secrets in memory.
    public var dataDirectory: String?
    public var tls: TLS
    /// The tenant named in the 401 challenge and in issued tokens.
    public var tenant: String
    /// Accept only tokens this emulator issued (otherwise any well-formed, unexpired JWT).
    public var requireTokenSignature: Bool
    /// Issue tokens only on the client-credentials endpoint and only for this client secret (no
    /// `GET /token`); implies `requireTokenSignature`. For an emulator others can reach, e.g. in a cluster.
    public var clientSecret: String?
    /// The resource the 401 challenge names and tokens must be for (their `aud`): another
    /// cloud's, such as `https://vault.azure.cn`, to test sovereign clouds.
    public var challengeResource: String
    public var faults: Faults
    /// How long a delete or a recover takes to complete, as real Key Vault's take seconds (zero:
    /// at once); `softDeleteTail` more, writes of the name still get 409.
    public var softDeleteDelay: Duration
    public var softDeleteTail: Duration
    /// Refuse purges with 403, as a vault with purge protection does (deleted secrets then stay
    /// recoverable until their retention ends).
    public var purgeProtection: Bool

    public init(
        host: String = "127.0.0.1", port: Int = 4997, dataDirectory: String? = nil,
        tls: TLS = .generated(hosts: ["localhost", "127.0.0.1"]),
        tenant: String = "00000000-0000-0000-0000-000000000000",
        requireTokenSignature: Bool = false, clientSecret: String? = nil,
        challengeResource: String = "https://vault.azure.net",
        faults: Faults = .init(), softDeleteDelay: Duration = .zero, softDeleteTail: Duration = .zero,
        purgeProtection: Bool = false
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.tls = tls
        self.tenant = tenant
        self.requireTokenSignature = requireTokenSignature
        self.clientSecret = clientSecret
        self.challengeResource = challengeResource
        self.faults = faults
        self.softDeleteDelay = softDeleteDelay
        self.softDeleteTail = softDeleteTail
        self.purgeProtection = purgeProtection
    }
}
