import Foundation
import HTTPTransport

extension KubernetesClient {
    /// Opens a watch from `resourceVersion` (bookmarks on); `metadataOnly` asks for
    /// `PartialObjectMetadata` objects (no data, e.g. for Secrets). The server ends it after
    /// `timeoutSeconds`. Events arrive as the server sends them, each decoded once.
    ///
    /// - Throws: `KubernetesError` when the watch cannot be opened (410 `Gone`/`Expired` when the
    ///   resourceVersion is too old: relist, then watch from the list's version).
    public func watch<T: Decodable & Sendable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, resourceVersion: String?,
        timeoutSeconds: Int = 300,
        labelSelector: String? = nil, metadataOnly: Bool = false
    ) async throws -> WatchStream<T> {
        var query: [(String, String)] = [
            ("watch", "1"), ("allowWatchBookmarks", "true"), ("timeoutSeconds", String(timeoutSeconds)),
        ]
        if let resourceVersion { query.append(("resourceVersion", resourceVersion)) }
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        let accept = metadataOnly ? Self.metadataAccept : "application/json"
        let body = try await openStream(
            try await request(.get, path: resource.path(namespace: namespace), query: query, accept: accept))
        return WatchStream(lines: body.lines)
    }

    /// Sends a streaming request and returns the body of a 200 response, as it arrives; any other
    /// status throws the server's `Status` as a `KubernetesError`.
    func openStream(_ request: HTTPRequest) async throws -> HTTPBody {
        let streamed: HTTPStreamingResponse
        do {
            streamed = try await streams.stream(request, logger: logger)
        } catch let error as HTTPError {
            Self.count(request.method, code: "<error>")
            throw KubernetesError(code: 0, reason: "Unavailable", message: error.description)
        }
        Self.count(request.method, code: String(streamed.status))
        guard streamed.status == 200 else {
            var body = Data()
            for try await chunk in streamed.body { body.append(chunk) }
            if streamed.status == 401 {
                // An exec plugin runs again before the caller's next attempt.
                _ = await token.refused(request)
            }
            throw Self.error(from: HTTPResponse(head: streamed.head, body: body))
        }
        return streamed.body
    }
}

/// The events of one watch connection; ends when the server closes it.
public struct WatchStream<Object: Decodable & Sendable>: AsyncSequence, Sendable {
    public typealias Element = WatchEvent<Object>
    let lines: HTTPLineSequence

    public struct AsyncIterator: AsyncIteratorProtocol {
        var lines: HTTPLineSequence.AsyncIterator

        public mutating func next() async throws -> WatchEvent<Object>? {
            while let line = try await lines.next() {
                guard !line.isEmpty else { continue }
                do {
                    return try WatchEvent<Object>.read(line)
                } catch {
                    throw KubernetesError(
                        code: 200, reason: "MalformedResponse", message: "undecodable watch event: \(error)")
                }
            }
            return nil
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(lines: lines.makeAsyncIterator())
    }
}
