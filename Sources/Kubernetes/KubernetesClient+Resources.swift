public import Foundation
import HTTPTransport

extension KubernetesClient {
    /// Reads one object.
    ///
    /// - Parameter resourceVersion: with a version (one the caller has seen, e.g. in an informer),
    ///   the API server answers from its watch cache with a copy at least that recent, without a
    ///   read from etcd; without one, it reads the latest from etcd.
    public func get<T: Decodable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, name: String, resourceVersion: String? = nil
    )
        async throws -> T
    {
        let query = resourceVersion.map { [("resourceVersion", $0)] } ?? []
        return try decode(
            type,
            try await send(try await request(.get, path: resource.path(namespace: namespace, name: name), query: query))
        )
    }

    /// One page of a list; `continue` carries the token of the previous page.
    public func list<T: Decodable & Sendable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, labelSelector: String? = nil,
        fieldSelector: String? = nil,
        limit: Int? = nil, continue token: String? = nil, metadataOnly: Bool = false
    ) async throws -> ObjectList<T> {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        if let limit { query.append(("limit", String(limit))) }
        if let token { query.append(("continue", token)) }
        let accept = metadataOnly ? Self.metadataListAccept : "application/json"
        return try decode(
            ObjectList<T>.self,
            try await send(
                try await request(.get, path: resource.path(namespace: namespace), query: query, accept: accept)))
    }

    /// Every object, page by page; returns the items and the resourceVersion to watch from.
    public func listAll<T: Decodable & Sendable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, labelSelector: String? = nil, pageSize: Int = 500,
        metadataOnly: Bool = false
    ) async throws -> (items: [T], resourceVersion: String) {
        var items: [T] = []
        var token: String?
        repeat {
            let page = try await list(
                type, resource, namespace: namespace, labelSelector: labelSelector, limit: pageSize, continue: token,
                metadataOnly: metadataOnly)
            items += page.items
            token = page.metadata.continue.flatMap { $0.isEmpty ? nil : $0 }
            if token == nil { return (items, page.metadata.resourceVersion ?? "") }
        } while true
    }

    /// Creates an object in `namespace` (or the object's own).
    public func create<T: KubernetesObject>(
        _ object: T, _ resource: ResourceType, namespace: String? = nil
    ) async throws -> T {
        let body = try JSONEncoder().encode(object)
        return try decode(
            T.self, try await create(json: body, resource, namespace: namespace ?? object.metadata.namespace))
    }

    /// Creates an object given as JSON (a manifest without a Swift type); returns the server's JSON.
    public func create(json: Data, _ resource: ResourceType, namespace: String? = nil) async throws -> Data {
        try await send(try await request(.post, path: resource.path(namespace: namespace), body: json))
    }

    /// Replaces an object; its `metadata.resourceVersion` makes the write conditional (409 when stale).
    public func update<T: KubernetesObject>(
        _ object: T, _ resource: ResourceType, subresource: String? = nil
    ) async throws -> T {
        guard let name = object.metadata.name else {
            throw KubernetesError(code: 0, reason: "Invalid", message: "the object has no name")
        }
        let path = resource.path(namespace: object.metadata.namespace, name: name, subresource: subresource)
        return try decode(
            T.self, try await send(try await request(.put, path: path, body: try JSONEncoder().encode(object))))
    }

    /// Replaces an object's status (`/status`), conditional on its resourceVersion.
    public func updateStatus<T: KubernetesObject>(_ object: T, _ resource: ResourceType) async throws -> T {
        try await update(object, resource, subresource: "status")
    }

    /// Applies a merge, JSON or strategic-merge patch (to `/status` with `subresource: "status"`).
    public func patch<T: Decodable>(
        _ type: T.Type, _ resource: ResourceType, namespace: String?, name: String, patch: Data,
        patchType: PatchType = .merge,
        subresource: String? = nil
    ) async throws -> T {
        try decode(
            type,
            try await patchAnswer(
                resource, namespace: namespace, name: name, patch: patch, patchType: patchType,
                subresource: subresource))
    }

    /// Applies a patch as `patch` does, without decoding the object the server answers with: for
    /// callers that only need the write done (a status update, an event's series).
    public func patchDiscardingResult(
        _ resource: ResourceType, namespace: String?, name: String, patch: Data, patchType: PatchType = .merge,
        subresource: String? = nil
    ) async throws {
        _ = try await patchAnswer(
            resource, namespace: namespace, name: name, patch: patch, patchType: patchType, subresource: subresource)
    }

    /// The server's answer to a patch, undecoded.
    private func patchAnswer(
        _ resource: ResourceType, namespace: String?, name: String, patch: Data, patchType: PatchType,
        subresource: String?
    ) async throws -> Data {
        let path = resource.path(namespace: namespace, name: name, subresource: subresource)
        return try await send(try await request(.patch, path: path, body: patch, contentType: patchType.rawValue))
    }

    /// Creates an object as `create` does, without decoding the server's answer.
    public func createDiscardingResult<T: KubernetesObject>(_ object: T, _ resource: ResourceType) async throws {
        _ = try await create(json: try JSONEncoder().encode(object), resource, namespace: object.metadata.namespace)
    }

    /// How dependents are deleted.
    public enum PropagationPolicy: String, Sendable {
        case foreground = "Foreground", background = "Background", orphan = "Orphan"
    }

    /// Deletes an object, optionally only if its uid or resourceVersion still match.
    public func delete(
        _ resource: ResourceType, namespace: String?, name: String, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, propagation: PropagationPolicy? = nil
    ) async throws {
        var options: [String: Any] = ["kind": "DeleteOptions", "apiVersion": "v1"]
        var preconditions: [String: String] = [:]
        if let preconditionUID { preconditions["uid"] = preconditionUID }
        if let preconditionResourceVersion { preconditions["resourceVersion"] = preconditionResourceVersion }
        if !preconditions.isEmpty { options["preconditions"] = preconditions }
        if let propagation { options["propagationPolicy"] = propagation.rawValue }
        let body = try JSONSerialization.data(withJSONObject: options)
        _ = try await send(
            try await request(.delete, path: resource.path(namespace: namespace, name: name), body: body))
    }
}
