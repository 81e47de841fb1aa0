import CCurl
import DurationUnits
import Foundation

/// One request's libcurl easy handle, configured from an `HTTPRequest`, and the parsing of what
/// its callbacks deliver.
///
/// `@unchecked Sendable`: it owns C handles. After `init` the handle and the callbacks are used on
/// the multi loop's thread only; what crosses threads goes through the sink, which locks.
final class CurlTransfer: @unchecked Sendable {
    let easy: UnsafeMutableRawPointer
    let sink: any TransferSink
    let url: String
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    private var status = 0
    private var version = "1.1"
    private var headers = HTTPHeaders()
    private var headDelivered = false

    init(request: HTTPRequest, configuration: HTTPClient.Configuration, streaming: Bool, sink: any TransferSink) throws
    {
        guard let easy = curl_easy_init() else {
            throw HTTPError(code: .transport, message: "curl_easy_init failed", url: request.url)
        }
        self.easy = easy
        self.sink = sink
        self.url = request.url
        errorBuffer.initialize(to: 0)
        do {
            try configure(request: request, configuration: configuration, streaming: streaming)
        } catch {
            close()
            throw error
        }
    }

    /// Frees the handle; the loop has removed it from the multi handle first.
    func close() {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headerList)
        headerList = nil
        errorBuffer.deallocate()
    }

    // MARK: Configuration

    private func configure(request: HTTPRequest, configuration: HTTPClient.Configuration, streaming: Bool) throws {
        guard request.url.hasPrefix("http://") || request.url.hasPrefix("https://") else {
            throw HTTPError(code: .invalidRequest, message: "the URL must be absolute http or https", url: request.url)
        }
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TCP_KEEPALIVE, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeout.inMillisecondsRoundedUp)
        if let limit = request.timeout ?? (streaming ? nil : configuration.requestTimeout) {
            try set(CURLOPT_TIMEOUT_MS, limit.inMillisecondsRoundedUp)
        }
        if configuration.enableHTTP2 {
            try set(CURLOPT_HTTP_VERSION, kvo_curl_http_version_2tls)
            try set(CURLOPT_PIPEWAIT, 1)
        } else {
            try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        }
        try set(CURLOPT_ACCEPT_ENCODING, string: "")
        // A declared length past the limit fails before the body is read; the sink counts the rest.
        if !streaming { try set(CURLOPT_MAXFILESIZE_LARGE, offset: configuration.maxResponseBodyBytes) }
        try configureMethodAndBody(request)
        try configureHeaders(request.headers)
        try configureTLS(configuration.tls)

        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_HEADERFUNCTION, callback: curlHeaderCallback)
        try set(CURLOPT_HEADERDATA, pointer: context)
        try set(CURLOPT_WRITEFUNCTION, callback: curlWriteCallback)
        try set(CURLOPT_WRITEDATA, pointer: context)
    }

    private func configureMethodAndBody(_ request: HTTPRequest) throws {
        switch request.method {
        case .get where request.body == nil:
            try set(CURLOPT_HTTPGET, 1)
        case .head:
            try set(CURLOPT_NOBODY, 1)
        default:
            try set(CURLOPT_CUSTOMREQUEST, string: request.method.rawValue)
        }
        if let body = request.body {
            try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: body.count)
            try body.withUnsafeBytes { bytes in
                // COPYPOSTFIELDS copies the bytes, so the body need not outlive this call.
                let base = bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)
                try check(
                    kvo_easy_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base)))
            }
        }
    }

    private func configureHeaders(_ requestHeaders: HTTPHeaders) throws {
        var lines = requestHeaders.map { "\($0.name): \($0.value)" }
        // libcurl would add "Expect: 100-continue" to large HTTP/1.1 bodies and wait for it.
        if requestHeaders["Expect"] == nil { lines.append("Expect:") }
        for line in lines {
            guard !line.utf8.contains(UInt8(ascii: "\r")), !line.utf8.contains(UInt8(ascii: "\n")) else {
                throw HTTPError(code: .invalidRequest, message: "a header field contains a line break", url: url)
            }
            guard let list = curl_slist_append(headerList, line) else {
                throw HTTPError(code: .transport, message: "curl_slist_append failed", url: url)
            }
            headerList = list
        }
        try check(kvo_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, headerList))
    }

    private func configureTLS(_ tls: HTTPClient.TLSConfiguration) throws {
        if tls.skipVerify {
            try set(CURLOPT_SSL_VERIFYPEER, 0)
            try set(CURLOPT_SSL_VERIFYHOST, 0)
        }
        switch tls.trust {
        case .system: break
        case .file(let path): try set(CURLOPT_CAINFO, string: path)
        case .pem(let data): try set(CURLOPT_CAINFO_BLOB, blob: data)
        }
        switch tls.clientCertificate {
        case nil: break
        case .file(let path)?: try set(CURLOPT_SSLCERT, string: path)
        case .pem(let data)?: try set(CURLOPT_SSLCERT_BLOB, blob: data)
        }
        switch tls.clientKey {
        case nil: break
        case .file(let path)?: try set(CURLOPT_SSLKEY, string: path)
        case .pem(let data)?: try set(CURLOPT_SSLKEY_BLOB, blob: data)
        }
    }

    // MARK: Callbacks (loop thread)

    fileprivate func receivedHeaderLine(_ line: String) {
        let trimmed = line.trimmingHTTPWhitespace
        if trimmed.hasPrefix("HTTP/") {
            // A new status line: a redirect or 1xx response starts over.
            let parts = trimmed.split(separator: " ", maxSplits: 2)
            version = parts.first.map { String($0.dropFirst(5)) } ?? "1.1"
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            headers = HTTPHeaders()
        } else if trimmed.isEmpty {
            if status >= 200 { deliverHead() }
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...].trimmingHTTPWhitespace
            headers.add(name: name, value: value)
        }
    }

    fileprivate func receivedBody(_ chunk: UnsafeRawBufferPointer) -> BodyChunkDisposition {
        deliverHead()
        return sink.receivedBody(chunk)
    }

    /// Called by the loop when libcurl reports the transfer done.
    func finished(result: CURLcode) {
        if result == CURLE_OK {
            deliverHead()
            sink.completed(with: nil)
        } else {
            sink.completed(with: error(for: result))
        }
    }

    private func deliverHead() {
        guard !headDelivered else { return }
        headDelivered = true
        if status == 0 {
            var code = 0
            _ = kvo_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
            status = code
        }
        var connects = 0
        _ = kvo_easy_getinfo_long(easy, CURLINFO_NUM_CONNECTS, &connects)
        sink.receivedHead(
            HTTPResponseHead(status: status, headers: headers, version: version, newConnections: connects))
    }

    func error(for result: CURLcode) -> HTTPError {
        let detail = String(cString: errorBuffer)
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(result)) : detail
        let code: HTTPError.Code
        switch result {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY,
            CURLE_GOT_NOTHING, CURLE_SEND_ERROR, CURLE_RECV_ERROR:
            code = .connectionFailed
        case CURLE_OPERATION_TIMEDOUT:
            code = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
            CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_CRL_BADFILE:
            code = .tlsFailure
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            code = .invalidRequest
        case CURLE_FILESIZE_EXCEEDED:
            code = .responseTooLarge
        default:
            code = .transport
        }
        return HTTPError(code: code, message: message, url: url)
    }

    // MARK: Typed setopt

    private func check(_ code: CURLcode) throws {
        guard code == CURLE_OK else {
            throw HTTPError(code: .invalidRequest, message: String(cString: curl_easy_strerror(code)), url: url)
        }
    }
    private func set(_ option: CURLoption, _ value: Int) throws {
        try check(kvo_easy_setopt_long(easy, option, value))
    }
    private func set(_ option: CURLoption, offset: Int) throws {
        try check(kvo_easy_setopt_off_t(easy, option, offset))
    }
    private func set(_ option: CURLoption, string: String) throws {
        try check(kvo_easy_setopt_string(easy, option, string))  // libcurl copies strings.
    }
    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer) throws {
        try check(kvo_easy_setopt_pointer(easy, option, pointer))
    }
    private func set(_ option: CURLoption, callback: kvo_curl_data_callback) throws {
        try check(kvo_easy_setopt_callback(easy, option, callback))
    }
    private func set(_ option: CURLoption, blob: Data) throws {
        try blob.withUnsafeBytes { try check(kvo_easy_setopt_blob(easy, option, $0.baseAddress, $0.count)) }
    }
}

private let curlHeaderCallback: kvo_curl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    transfer.receivedHeaderLine(line)
    return length
}

private let curlWriteCallback: kvo_curl_data_callback = { data, size, count, context in
    let length = size * count
    guard let data, let context else { return length }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    switch transfer.receivedBody(UnsafeRawBufferPointer(start: data, count: length)) {
    case .taken: return length
    case .pause: return kvo_curl_writefunc_pause
    case .abort: return 0  // anything but `length`: CURLE_WRITE_ERROR
    }
}
