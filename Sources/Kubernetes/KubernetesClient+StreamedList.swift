import Foundation
import HTTPTransport
import JSONReading

extension KubernetesClient {
    /// Every object in one unpaged list from the API server's watch cache (`resourceVersion=0`, as
    /// client-go's informers list first), decoded one item at a time as the bytes arrive: a list
    /// of any size is never held whole by this client, and while the decoder is behind, the
    /// transfer pauses and TCP holds the server back. Returns the list's resourceVersion, to watch from.
    ///
    /// The cache may be a little behind the latest writes; the watch from the returned version
    /// delivers what it missed.
    public func streamList<T: Decodable & Sendable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, labelSelector: String? = nil, metadataOnly: Bool = false,
        _ handle: (T) throws -> Void
    ) async throws -> String {
        var query: [(String, String)] = [("resourceVersion", "0")]
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        let accept = metadataOnly ? Self.metadataListAccept : "application/json"
        let body = try await openStream(try request(.get, path: resource.path(namespace: namespace), query: query, accept: accept))
        var splitter = ListItemSplitter()
        let read = Self.itemReader(T.self)
        for try await chunk in body {
            for item in splitter.feed(chunk) {
                let object: T
                do {
                    object = try read(item)
                } catch {
                    // Reading throws only for what is not (the expected shape of) JSON.
                    throw KubernetesError(code: 200, reason: "MalformedResponse", message: "cannot decode \(T.self): \(error)")
                }
                try handle(object)
            }
        }
        return try decode(ObjectList<Empty>.self, splitter.envelope).metadata.resourceVersion ?? ""
    }

    /// Reads items with `JSONReader` when `T` reads itself (several times faster), else with `JSONDecoder`.
    static func itemReader<T: Decodable>(_ type: T.Type) -> (Data) throws -> T {
        if let readable = T.self as? any JSONReadable.Type {
            // `readable` is `T.self`, so what it reads is a `T`.
            return { data in try JSONReader.read(data) { try readable.init(reading: &$0) } as! T }
        }
        let decoder = JSONDecoder()
        return { try decoder.decode(T.self, from: $0) }
    }

    /// What a list's envelope holds in place of items (it has none).
    private struct Empty: Decodable, Sendable {}
}
