import CCurl
import DurationUnits
import Foundation
public import Logging

/// An HTTP/1.1 and HTTP/2 client over libcurl, for unary and streaming exchanges.
///
/// Every transfer runs on the client's own thread through one libcurl multi handle, so
/// connections are reused across requests. Create one client per set of TLS settings and share
/// it; call `close()` when done (or let it deinitialise).
public final class HTTPClient: Sendable {
    public let configuration: Configuration
    private let loop: CurlMultiLoop

    /// Creates a client. Throws when a configured CA, certificate or key file cannot be read:
    /// a missing CA never silently turns verification off.
    public init(configuration: Configuration = .init()) throws {
        for path in configuration.tls.referencedFiles where !FileManager.default.isReadableFile(atPath: path) {
            throw HTTPError(code: .tlsFailure, message: "cannot read TLS file \(path)", url: "")
        }
        self.configuration = configuration
        self.loop = CurlMultiLoop(maxConnectionsPerHost: configuration.maxConnectionsPerHost)
        _ = Self.brokenPipesIgnored
    }

    /// With `CURLOPT_NOSIGNAL` (set for threads) libcurl leaves SIGPIPE to the process, and an
    /// OpenSSL write to a socket the server has closed (a TLS close at shutdown) would kill it.
    /// SIGPIPE is ignored (unless the process handles it itself): such a write fails as an error.
    private static let brokenPipesIgnored: Void = {
        var current = sigaction()
        if sigaction(SIGPIPE, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil {
            _ = signal(SIGPIPE, SIG_IGN)
        }
    }()

    deinit {
        loop.shutdown()
    }

    /// Stops the client; transfers in flight fail with `HTTPError.Code.shutdown`.
    public func close() {
        loop.shutdown()
    }

    /// Sends a request and reads the whole response.
    ///
    /// - Throws: `HTTPError` when no response arrives (connection, TLS, timeout);
    ///   `CancellationError` when the task is cancelled. Error statuses are returned, not thrown.
    public func execute(_ request: HTTPRequest, logger: Logger = HTTPClient.disabledLogger) async throws -> HTTPResponse
    {
        let started = ContinuousClock.now
        let box = TransferBox()
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                let sink = BufferedSink(
                    continuation: continuation, limit: configuration.maxResponseBodyBytes, url: request.url)
                start(request, streaming: false, sink: sink, box: box)
            }
        } onCancel: {
            box.cancel(on: loop)
        }
        logger.debug(
            "http request",
            metadata: [
                "http.method": "\(request.method)", "http.url": "\(Self.redacted(request.url))",
                "http.status": "\(response.status)",
                "http.duration_ms": "\((ContinuousClock.now - started).inMilliseconds)",
            ])
        return response
    }

    /// Sends a request and returns as soon as the response head arrives; the body streams.
    ///
    /// - Throws: `HTTPError` when no response head arrives; `CancellationError` on cancellation.
    public func stream(
        _ request: HTTPRequest, logger: Logger = HTTPClient.disabledLogger
    ) async throws -> HTTPStreamingResponse {
        let box = TransferBox()
        let loop = self.loop
        let sinkBox = SinkBox()
        let head = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation {
                (continuation: CheckedContinuation<HTTPResponseHead, any Error>) in
                let sink = StreamSink(
                    bufferLimit: configuration.streamBufferLimit, headContinuation: continuation,
                    resumeTransfer: { box.resume(on: loop) }, cancelTransfer: { box.cancel(on: loop) })
                sinkBox.sink = sink
                start(request, streaming: true, sink: sink, box: box)
            }
        } onCancel: {
            box.cancel(on: loop)
        }
        logger.debug(
            "http stream opened",
            metadata: [
                "http.method": "\(request.method)", "http.url": "\(Self.redacted(request.url))",
                "http.status": "\(head.status)",
            ])
        return HTTPStreamingResponse(head: head, body: HTTPBody(consumer: .init(sink: sinkBox.sink!)))
    }

    private func start(_ request: HTTPRequest, streaming: Bool, sink: any TransferSink, box: TransferBox) {
        do {
            let transfer = try CurlTransfer(
                request: request, configuration: configuration, streaming: streaming, sink: sink)
            guard box.attach(transfer), loop.submit(.add(transfer)) else {
                let error: any Error =
                    box.isCancelled
                    ? CancellationError()
                    : HTTPError(code: .shutdown, message: "the client shut down", url: request.url)
                sink.completed(with: error)
                transfer.close()
                return
            }
        } catch {
            sink.completed(with: error)
        }
    }

    /// The URL without its query, for logs.
    static func redacted(_ url: String) -> Substring {
        url.split(separator: "?", maxSplits: 1).first ?? Substring(url)
    }

    /// A logger that logs nothing: the default when the caller passes none.
    public static let disabledLogger = Logger(label: "keyvault.http", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A streaming response: the head, and the body still arriving.
public struct HTTPStreamingResponse: Sendable {
    public var head: HTTPResponseHead
    public var body: HTTPBody
    public var status: Int { head.status }
}

extension HTTPClient.TLSConfiguration {
    var referencedFiles: [String] {
        var files: [String] = []
        if case .file(let path) = trust { files.append(path) }
        if case .file(let path)? = clientCertificate { files.append(path) }
        if case .file(let path)? = clientKey { files.append(path) }
        return files
    }
}
