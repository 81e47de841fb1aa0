import Foundation
import HTTPTransport
public import Logging
import Metrics
import Synchronization

/// A client for the Kubernetes API over libcurl: typed reads and writes of any resource,
/// patches, the status subresource, and watches.
public final class KubernetesClient: Sendable {
    public let configuration: KubernetesConfiguration
    /// Requests with a whole answer, multiplexed over HTTP/2.
    let http: HTTPClient
    /// Lists and watches, over HTTP/1.1 on connections of their own. A stream pauses while its
    /// consumer is behind; over HTTP/1.1 the socket is then left unread and TCP holds the server
    /// back, where over HTTP/2 libcurl 7.88 keeps receiving up to its 32 MiB stream window (about
    /// 40 MiB more at the peak of a 10,000-item list).
    let streams: HTTPClient
    let token: BearerToken
    let logger: Logger
    /// The client-side rate limit; `nil` (the default, as in current controller-runtime) for none.
    let rateLimit: TokenBucket?

    /// - Parameter rateLimit: an optional client-side QPS/burst limit on every request.
    /// - Throws: `HTTPError` when a configured CA or client certificate file cannot be read.
    public init(
        configuration: KubernetesConfiguration, rateLimit: TokenBucket? = nil,
        logger: Logger = Logger(label: "kubernetes", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        self.configuration = configuration
        self.logger = logger
        self.rateLimit = rateLimit
        http = try HTTPClient(
            configuration: .init(tls: configuration.tls, connectTimeout: .seconds(10), requestTimeout: .seconds(60)))
        streams = try HTTPClient(
            configuration: .init(
                tls: configuration.tls, connectTimeout: .seconds(10), requestTimeout: .seconds(60), enableHTTP2: false))
        token = BearerToken(configuration.authentication)
    }

    public func close() {
        http.close()
        streams.close()
    }

    /// The server's `gitVersion` (GET /version): a cheap reachability and credentials check.
    public func serverVersion() async throws -> String {
        struct Version: Decodable { var gitVersion: String }
        return try JSONDecoder().decode(
            Version.self, from: try await send(try await request(.get, path: "/version", timeout: .seconds(5)))
        ).gitVersion
    }

    /// Content types of the PATCH kinds.
    public enum PatchType: String, Sendable {
        case merge = "application/merge-patch+json"
        case json = "application/json-patch+json"
        case strategicMerge = "application/strategic-merge-patch+json"
    }

    /// Builds a request with authentication and JSON headers.
    func request(
        _ method: HTTPRequest.Method, path: String, query: [(String, String)] = [], body: Data? = nil,
        contentType: String = "application/json", accept: String = "application/json", timeout: Duration? = nil
    ) async throws -> HTTPRequest {
        var url = configuration.server + path
        if !query.isEmpty {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            url +=
                "?"
                + query.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0.1)" }.joined(
                    separator: "&")
        }
        var headers: HTTPHeaders = ["Accept": accept, "User-Agent": configuration.userAgent]
        if let bearer = try await token.current() { headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        if body != nil { headers.add(name: "Content-Type", value: contentType) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body, timeout: timeout)
    }

    /// Sends a request and returns the body of a 2xx response; any other status throws the
    /// server's `Status` as a `KubernetesError`.
    /// A 401 to an exec plugin's token runs the plugin again and sends the request once more.
    func send(_ request: HTTPRequest) async throws -> Data {
        var request = request
        var retried = false
        while true {
            try await rateLimit?.acquire()
            let response: HTTPResponse
            do {
                response = try await http.execute(request, logger: logger)
            } catch let error as HTTPError {
                Self.count(request.method, code: "<error>")
                throw KubernetesError(code: 0, reason: "Unavailable", message: error.description)
            }
            Self.count(request.method, code: String(response.status))
            if (200..<300).contains(response.status) { return response.body }
            guard response.status == 401, !retried, await token.refused(request), let fresh = try await token.current()
            else { throw Self.error(from: response) }
            retried = true
            request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(fresh)")
        }
    }

    /// `rest_client_requests_total{code,method}`, as client-go names it. The counters are made
    /// once per method and code: through the metrics factory on every request they cost a lookup
    /// and a label list each time.
    static func count(_ method: HTTPRequest.Method, code: String) {
        let key = "\(method) \(code)"
        let counter = requestCounters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "rest_client_requests_total", dimensions: [("code", code), ("method", "\(method)")])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }

    private static let requestCounters = Mutex<[String: Counter]>([:])

    static func error(from response: HTTPResponse) -> KubernetesError {
        let retryAfter = response.headers["Retry-After"].flatMap(Int.init)
        if let status = try? JSONDecoder().decode(StatusObject.self, from: response.body),
            status.reason != nil || status.message != nil
        {
            return status.error(status: response.status, retryAfter: retryAfter)
        }
        let reasons = [
            401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 410: "Gone", 422: "Invalid",
            429: "TooManyRequests",
        ]
        return KubernetesError(
            code: response.status, reason: reasons[response.status] ?? "Unknown",
            message: String(decoding: response.body.prefix(300), as: UTF8.self), retryAfter: retryAfter)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try ObjectReading.read(type, from: data)
        } catch {
            throw KubernetesError(code: 200, reason: "MalformedResponse", message: "cannot decode \(T.self): \(error)")
        }
    }
}
