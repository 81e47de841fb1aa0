import Foundation
import HTTPTransport

extension KubernetesClient {
    /// Every object in one unpaged list from the API server's watch cache (`resourceVersion=0`, as
    /// client-go's informers list first), decoded one item at a time as the bytes arrive: a list
    /// of any size is never held whole by this client, and while the decoder is behind, the
    /// transfer pauses and TCP holds the server back. Returns the list's resourceVersion, to watch from.
    ///
    /// The cache may be a little behind the latest writes; the watch from the returned version
    /// delivers what it missed.
    public func streamList<T: Decodable & Sendable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, labelSelector: String? = nil,
        metadataOnly: Bool = false,
        _ handle: (T) throws -> Void
    ) async throws -> String {
        var query: [(String, String)] = [("resourceVersion", "0")]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        let accept = metadataOnly ? Self.metadataListAccept : "application/json"
        let body = try await openStream(
            try await request(.get, path: resource.path(namespace: namespace), query: query, accept: accept))
        var splitter = ListItemSplitter()
        for try await chunk in body {
            for item in splitter.feed(chunk) { try handle(try decode(T.self, item)) }
            guard splitter.heldBytes <= HTTPLineSequence.defaultMaxLineBytes else {
                body.cancel()
                throw KubernetesError(
                    code: 200, reason: "MalformedResponse",
                    message: "a list item exceeds \(HTTPLineSequence.defaultMaxLineBytes) bytes")
            }
        }
        return try decode(ObjectList<Empty>.self, splitter.envelope).metadata.resourceVersion ?? ""
    }

    /// What a list's envelope holds in place of items (it has none).
    private struct Empty: Decodable, Sendable {}
}
