public import struct Foundation.Data

/// An HTTP request: method, absolute URL, header fields and an optional body.
public struct HTTPRequest: Sendable {
    /// An HTTP method; any token is allowed.
    public struct Method: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let get = Method(rawValue: "GET")
        public static let head = Method(rawValue: "HEAD")
        public static let post = Method(rawValue: "POST")
        public static let put = Method(rawValue: "PUT")
        public static let patch = Method(rawValue: "PATCH")
        public static let delete = Method(rawValue: "DELETE")

        public var description: String { rawValue }
    }

    public var method: Method
    /// The absolute URL, for example `https://127.0.0.1:6443/version`.
    public var url: String
    public var headers: HTTPHeaders
    public var body: Data?
    /// The limit on the whole exchange; `nil` takes the client's default (none for streams).
    public var timeout: Duration?

    public init(
        method: Method = .get, url: String, headers: HTTPHeaders = [:], body: Data? = nil,
        timeout: Duration? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}
