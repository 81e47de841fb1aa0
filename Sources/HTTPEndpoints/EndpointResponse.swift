/// What `EndpointServer` answers: a status, a content type and a body, sent with `Connection: close`.
package struct EndpointResponse: Sendable {
    package var status: Int
    package var contentType: String
    package var body: [UInt8]
    /// Further header lines, each ending in `\r\n`.
    package var extraHeaders: String

    package init(
        status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8], extraHeaders: String = ""
    ) {
        self.status = status
        self.contentType = contentType
        self.body = body
        self.extraHeaders = extraHeaders
    }

    package static func text(_ status: Int, _ text: String, extraHeaders: String = "") -> Self {
        EndpointResponse(status: status, body: Array(text.utf8), extraHeaders: extraHeaders)
    }

    /// The bytes on the wire; a `HEAD` request gets the head alone.
    func bytes(withBody: Bool) -> [UInt8] {
        Array(head.utf8) + (withBody ? body : [])
    }

    /// The status line and headers, with the blank line that ends them.
    private var head: String {
        "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Type: \(contentType)\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            + extraHeaders + "\r\n"
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 431: "Request Header Fields Too Large"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
