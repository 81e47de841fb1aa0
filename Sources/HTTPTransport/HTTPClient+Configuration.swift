public import struct Foundation.Data

extension HTTPClient {
    /// How the client connects: TLS, timeouts and protocol.
    public struct Configuration: Sendable {
        public var tls: TLSConfiguration
        /// The limit on establishing a connection, TLS handshake included.
        public var connectTimeout: Duration
        /// The default limit on a whole unary exchange; streams have none unless the request sets one.
        public var requestTimeout: Duration
        /// Offer HTTP/2 over TLS (ALPN); HTTP/1.1 otherwise.
        public var enableHTTP2: Bool
        /// The most connections kept open to one host (0 = no limit).
        public var maxConnectionsPerHost: Int
        /// Bytes a stream buffers before the transfer is paused until the consumer catches up.
        public var streamBufferLimit: Int
        /// The most bytes of a whole (not streamed) response body, after decompression: a hostile
        /// or broken server cannot exhaust memory. Past it, `HTTPError.Code.responseTooLarge`.
        public var maxResponseBodyBytes: Int

        public init(
            tls: TLSConfiguration = .init(), connectTimeout: Duration = .seconds(10),
            requestTimeout: Duration = .seconds(30), enableHTTP2: Bool = true, maxConnectionsPerHost: Int = 0,
            streamBufferLimit: Int = 1 << 20, maxResponseBodyBytes: Int = 64 << 20
        ) {
            self.tls = tls
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.enableHTTP2 = enableHTTP2
            self.maxConnectionsPerHost = maxConnectionsPerHost
            self.streamBufferLimit = streamBufferLimit
            self.maxResponseBodyBytes = maxResponseBodyBytes
        }
    }

    /// Trust and identity for HTTPS. Verification is on unless `skipVerify` is set explicitly.
    public struct TLSConfiguration: Sendable {
        /// Where the certificates to trust come from.
        public enum Trust: Sendable {
            /// The system's trust store.
            case system
            /// A PEM bundle file.
            case file(String)
            /// PEM bundle bytes.
            case pem(Data)
        }

        /// Where a client certificate or key comes from.
        public enum Source: Sendable {
            case file(String)
            case pem(Data)
        }

        public var trust: Trust
        public var clientCertificate: Source?
        public var clientKey: Source?
        /// Turns peer and host name verification off. For local development only.
        public var skipVerify: Bool

        public init(
            trust: Trust = .system, clientCertificate: Source? = nil, clientKey: Source? = nil,
            skipVerify: Bool = false
        ) {
            self.trust = trust
            self.clientCertificate = clientCertificate
            self.clientKey = clientKey
            self.skipVerify = skipVerify
        }
    }
}
