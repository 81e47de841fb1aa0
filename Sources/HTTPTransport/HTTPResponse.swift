public import struct Foundation.Data

/// The status line and header fields of a response.
public struct HTTPResponseHead: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    /// The negotiated protocol: `1.1` or `2`.
    public var version: String
    /// How many new connections this exchange opened (0 when it reused a kept-alive one).
    public var newConnections: Int

    public init(status: Int, headers: HTTPHeaders, version: String, newConnections: Int = 0) {
        self.status = status
        self.headers = headers
        self.version = version
        self.newConnections = newConnections
    }
}

/// A whole response, its body read to the end.
public struct HTTPResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: Data

    public var status: Int { head.status }
    public var headers: HTTPHeaders { head.headers }

    public init(head: HTTPResponseHead, body: Data) {
        self.head = head
        self.body = body
    }
}
