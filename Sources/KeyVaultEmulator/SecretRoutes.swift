import Foundation
import HTTPTypes
import Hummingbird

/// The twelve secret operations of the Key Vault API.
struct SecretRoutes<Context: RequestContext> {
    let vault: SecretVault
    let scheme: String
    let windows: SoftDeleteWindows
    let purgeProtection: Bool

    func register(on router: Router<Context>) {
        router.put("secrets") { _, _ -> Response in throw AzureError.methodNotAllowed }
        router.put("secrets/:name") { request, context in try await set(request, context) }
        router.get("secrets") { request, _ in try list(request) }
        router.get("secrets/:name") { request, context in try get(request, context, version: nil) }
        router.get("secrets/:name/versions") { request, context in try versions(request, context) }
        router.get("secrets/:name/:version") { request, context in
            try get(request, context, version: context.parameters.get("version"))
        }
        router.patch("secrets/:name") { request, context in try await update(request, context, version: nil) }
        router.patch("secrets/:name/:version") { request, context in
            try await update(request, context, version: context.parameters.get("version"))
        }
        router.delete("secrets/:name") { request, context in try await delete(request, context) }
        router.post("secrets/:name/backup") { request, context in try backup(request, context) }
        router.post("secrets/restore") { request, _ in try await restore(request) }
        router.get("deletedsecrets") { request, _ in try listDeleted(request) }
        router.get("deletedsecrets/:name") { request, context in try getDeleted(request, context) }
        router.delete("deletedsecrets/:name") { request, context in try await purge(request, context) }
        router.post("deletedsecrets/:name/recover") { request, context in try await recover(request, context) }
    }

    // MARK: Handlers

    private func set(_ request: Request, _ context: Context) async throws -> Response {
        let name = try Self.name(context)
        let body: SetSecretRequest = try await Self.decodeBody(request)
        try windows.conflict(forWriteOf: name)
        let now = Self.now()
        let secret = try await vault.write { state throws(AzureError) in
            try state.set(name: name, request: body, now: now)
        }
        return try JSONResponse.make(
            WireSecret(base: base(request), secret: secret, version: secret.latest, value: secret.latest.value))
    }

    private func get(_ request: Request, _ context: Context, version: String?) throws -> Response {
        let name = try Self.name(context)
        try notRecovering(name)
        let (secret, found) = try vault.read { state throws(AzureError) in try state.get(name: name, version: version) }
        return try JSONResponse.make(
            WireSecret(base: base(request), secret: secret, version: found, value: found.value))
    }

    private func update(_ request: Request, _ context: Context, version: String?) async throws -> Response {
        let name = try Self.name(context)
        let body: UpdateSecretRequest = try await Self.decodeBody(request)
        try notRecovering(name)
        let now = Self.now()
        let (secret, updated) = try await vault.write { state throws(AzureError) in
            let (secret, updated, change) = try state.update(name: name, version: version, request: body, now: now)
            return ((secret, updated), change)
        }
        return try JSONResponse.make(WireSecret(base: base(request), secret: secret, version: updated))
    }

    private func delete(_ request: Request, _ context: Context) async throws -> Response {
        let name = try Self.name(context)
        let now = Self.now()
        try notRecovering(name)
        let secret = try await vault.write { state throws(AzureError) in try state.delete(name: name, now: now) }
        windows.begin(.deleting, name)
        return try JSONResponse.make(WireSecret(base: base(request), secret: secret, version: secret.latest))
    }

    private func list(_ request: Request) throws -> Response {
        try listLatest(
            request, path: "/secrets",
            secrets: vault.read { state throws(AzureError) in state.list() }.filter {
                windows.pending($0.name) != .recovering
            })
    }

    private func versions(_ request: Request, _ context: Context) throws -> Response {
        let name = try Self.name(context)
        let (secret, versions) = try vault.read { state throws(AzureError) in try state.versions(name: name) }
        // Versions are only ever added, in order: a version's place is its key.
        return try page(
            request, path: "/secrets/\(name)/versions", items: Array(versions.enumerated()),
            key: { String(format: "%010d", $0.offset) }
        ) {
            base, version in WireSecret(base: base, secret: secret!, version: version.element)
        }
    }

    private func listDeleted(_ request: Request) throws -> Response {
        try listLatest(
            request, path: "/deletedsecrets",
            secrets: vault.read { state throws(AzureError) in state.listDeleted() }.filter {
                windows.pending($0.name) != .deleting
            })
    }

    /// A page of secrets as items with base ids (their latest version's attributes).
    private func listLatest(_ request: Request, path: String, secrets: [StoredSecret]) throws -> Response {
        try page(request, path: path, items: secrets, key: { $0.name.lowercased() }) { base, secret in
            WireSecret(base: base, secret: secret, version: secret.latest, versionedID: false)
        }
    }

    private func getDeleted(_ request: Request, _ context: Context) throws -> Response {
        let name = try Self.name(context)
        try notDeleting(name)
        let secret = try vault.read { state throws(AzureError) in try state.getDeleted(name: name) }
        return try JSONResponse.make(WireSecret(base: base(request), secret: secret, version: secret.latest))
    }

    private func purge(_ request: Request, _ context: Context) async throws -> Response {
        let name = try Self.name(context)
        try notDeleting(name)
        if purgeProtection { throw AzureError.purgeProtected }
        try await vault.write { state throws(AzureError) in ((), try state.purge(name: name)) }
        return Response(status: .noContent)
    }

    private func recover(_ request: Request, _ context: Context) async throws -> Response {
        let name = try Self.name(context)
        try notDeleting(name)
        let secret = try await vault.write { state throws(AzureError) in try state.recover(name: name) }
        windows.begin(.recovering, name)
        return try JSONResponse.make(WireSecret(base: base(request), secret: secret, version: secret.latest))
    }

    private func backup(_ request: Request, _ context: Context) throws -> Response {
        let name = try Self.name(context)
        return try JSONResponse.make(
            WireBackup(value: try vault.read { state throws(AzureError) in try state.backup(name: name) }))
    }

    private func restore(_ request: Request) async throws -> Response {
        let body: RestoreSecretRequest = try await Self.decodeBody(request)
        let secret = try await vault.write { state throws(AzureError) in try state.restore(blob: body.value) }
        return try JSONResponse.make(WireSecret(base: base(request), secret: secret, version: secret.latest))
    }

    // MARK: Helpers

    /// A secret whose recovery is under way cannot be read or changed yet.
    private func notRecovering(_ name: String) throws(AzureError) {
        if windows.pending(name) == .recovering { throw .secretNotFound(name) }
    }

    /// A secret whose deletion is under way is not a deleted secret yet.
    private func notDeleting(_ name: String) throws(AzureError) {
        if windows.pending(name) == .deleting { throw .deletedSecretNotFound(name) }
    }

    /// `scheme://host:port` as the client addressed the vault; ids and links embed it.
    private func base(_ request: Request) -> String {
        "\(scheme)://\(request.head.authority ?? "localhost")"
    }

    private func page<Item, Wire: Encodable>(
        _ request: Request, path: String, items: [Item], key: (Item) -> String, wire: (String, Item) -> Wire
    ) throws -> Response {
        var query: [String: String] = [:]
        for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
        let paging = try Paging(query: query)
        let base = base(request)
        let (slice, next) = paging.page(
            items, key: key, path: path, base: base, apiVersion: query["api-version"] ?? "7.5")
        return try JSONResponse.make(WirePage(value: slice.map { wire(base, $0) }, nextLink: next))
    }

    private static func name(_ context: Context) throws(AzureError) -> String {
        let name = context.parameters.get("name") ?? ""
        try SecretValidation.validateName(name)
        return name
    }

    private static func decodeBody<T: Decodable>(_ request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 1 << 20)
        } catch {
            throw AzureError.badParameter("The request body is too large.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw AzureError.badParameter("The request body is not valid JSON for this operation.")
        }
    }

    private static func now() -> Int { Int(Date().timeIntervalSince1970) }
}
