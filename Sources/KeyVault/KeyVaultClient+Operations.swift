public import Foundation
import HTTPTransport
import JSONReading

extension KeyVaultClient {
    /// The latest version of a secret.
    ///
    /// - Throws: `KeyVaultError` `secretNotFound` (020), `secretDisabled` (021), or a transport code.
    public func getSecret(_ name: String) async throws -> Secret {
        try await fetchSecret(name, version: nil)
    }

    /// One version of a secret.
    public func getSecret(_ name: String, version: String) async throws -> Secret {
        try await fetchSecret(name, version: version)
    }

    private func fetchSecret(_ name: String, version: String?) async throws -> Secret {
        try SecretNames.validate(name)
        let path = "/secrets/\(name)" + (version.map { "/\($0)" } ?? "")
        let reply = try await send(.get, path: path, operation: .get, name: name)
        let bundle = try decode(VaultWire.Bundle.init(json:), reply, operation: .get, name: name)
        guard let value = bundle.value else {
            throw KeyVaultError(.malformedResponse, "the secret bundle has no value", context: ["secret": name])
        }
        return Secret(properties: VaultWire.properties(of: bundle, fallbackName: name), value: value)
    }

    /// Writes a new version of a secret and returns its metadata.
    @discardableResult
    public func setSecret(
        _ name: String, value: String, attributes: SecretAttributes = .init()
    ) async throws -> SecretProperties {
        try SecretNames.validate(name)
        guard value.utf8.count <= SecretNames.maxValueBytes else {
            throw KeyVaultError(
                .invalidInput,
                "the value is \(value.utf8.count) bytes; Key Vault takes at most \(SecretNames.maxValueBytes)",
                context: ["secret": name])
        }
        let reply = try await send(
            .put, path: "/secrets/\(name)", body: VaultWire.body(value: value, attributes: attributes),
            operation: .set, name: name)
        return VaultWire.properties(
            of: try decode(VaultWire.Bundle.init(json:), reply, operation: .set, name: name), fallbackName: name)
    }

    /// `setSecret` with the Go package's parameters.
    @discardableResult
    public func setSecret(
        name: String, value: String, contentType: String? = nil, expiresAt: Date? = nil, tags: [String: String]? = nil
    )
        async throws -> SecretProperties
    {
        try await setSecret(
            name, value: value, attributes: SecretAttributes(contentType: contentType, expiresAt: expiresAt, tags: tags)
        )
    }

    /// Changes a version's attributes (the latest when `version` is `nil`); absent fields stay.
    @discardableResult
    public func updateSecretProperties(
        _ name: String, version: String? = nil, attributes: SecretAttributes
    ) async throws -> SecretProperties {
        try SecretNames.validate(name)
        let path = "/secrets/\(name)/\(version ?? "")"
        let reply = try await send(
            .patch, path: path, body: VaultWire.body(value: nil, attributes: attributes), operation: .update,
            name: name)
        return VaultWire.properties(
            of: try decode(VaultWire.Bundle.init(json:), reply, operation: .update, name: name), fallbackName: name)
    }

    /// Soft-deletes every version of a secret.
    public func deleteSecret(_ name: String) async throws {
        try SecretNames.validate(name)
        let reply = try await send(.delete, path: "/secrets/\(name)", operation: .delete, name: name)
        try expectSuccess(reply, operation: .delete, name: name)
    }

    /// A soft-deleted secret's metadata (its tags, its deletion and purge dates); no value.
    ///
    /// - Throws: `KeyVaultError` `secretNotFound` (020) when no deleted secret has the name (yet).
    public func getDeletedSecret(_ name: String) async throws -> SecretProperties {
        try SecretNames.validate(name)
        let reply = try await send(.get, path: "/deletedsecrets/\(name)", operation: .get, name: name)
        return VaultWire.properties(
            of: try decode(VaultWire.Bundle.init(json:), reply, operation: .get, name: name), fallbackName: name)
    }

    /// Recovers a soft-deleted secret.
    public func recoverSecret(_ name: String) async throws {
        try SecretNames.validate(name)
        let reply = try await send(.post, path: "/deletedsecrets/\(name)/recover", operation: .recover, name: name)
        try expectSuccess(reply, operation: .recover, name: name)
    }

    /// Permanently removes a soft-deleted secret.
    public func purgeSecret(_ name: String) async throws {
        try SecretNames.validate(name)
        let reply = try await send(.delete, path: "/deletedsecrets/\(name)", operation: .purge, name: name)
        try expectSuccess(reply, operation: .purge, name: name)
    }

    /// Every secret's metadata, following `nextLink` until it is null or empty.
    public func listSecrets() async throws -> [SecretProperties] {
        try await listAll(path: "/secrets", operation: .list, name: nil)
    }

    /// Every version's metadata of a secret.
    public func listSecretVersions(_ name: String) async throws -> [SecretProperties] {
        try SecretNames.validate(name)
        return try await listAll(path: "/secrets/\(name)/versions", operation: .versions, name: name)
    }

    /// Checks the vault answers an authenticated request; returns the round-trip time.
    @discardableResult
    public func health() async throws -> Duration {
        let started = ContinuousClock.now
        let reply = try await send(.get, path: "/secrets", query: "&maxresults=1", operation: .health, name: nil)
        try expectSuccess(reply, operation: .health, name: nil)
        return ContinuousClock.now - started
    }

    // MARK: Helpers

    private func listAll(path: String, operation: VaultOperation, name: String?) async throws -> [SecretProperties] {
        var items: [SecretProperties] = []
        var reply = try await send(.get, path: path, operation: operation, name: name)
        var pages = 0
        while true {
            let page = try decode(VaultWire.Page.init(json:), reply, operation: operation, name: name)
            items += (page.value ?? []).map { VaultWire.properties(of: $0, fallbackName: name ?? "") }
            pages += 1
            guard let next = page.nextLink, !next.isEmpty, pages < 10_000 else { return items }
            reply = try await sendLink(next, operation: operation, name: name)
        }
    }

    /// Follows an absolute `nextLink` (it carries its own query, api-version included).
    private func sendLink(_ link: String, operation: VaultOperation, name: String?) async throws -> Reply {
        guard let schemeEnd = link.range(of: "://"), let pathStart = link[schemeEnd.upperBound...].firstIndex(of: "/")
        else {
            throw KeyVaultError(
                .malformedResponse, "nextLink is not an absolute URL", context: ["operation": operation.rawValue])
        }
        let pathAndQuery = String(link[pathStart...])
        let (path, query) = pathAndQuery.split(separator: "?", maxSplits: 1).map(String.init).splitPair
        let extra = query.split(separator: "&").filter { !$0.hasPrefix("api-version=") }.map { "&\($0)" }.joined()
        return try await send(.get, path: path, query: extra, operation: operation, name: name)
    }

    private func decode<T>(
        _ parse: (Data) throws -> T, _ reply: Reply, operation: VaultOperation, name: String?
    ) throws -> T {
        try expectSuccess(reply, operation: operation, name: name)
        do {
            return try parse(reply.body)
        } catch {
            var context = ["operation": operation.rawValue, "status": "\(reply.status)"]
            if let name { context["secret"] = name }
            throw KeyVaultError(.malformedResponse, "the vault's answer is not the Key Vault JSON", context: context)
        }
    }

    private func expectSuccess(_ reply: Reply, operation: VaultOperation, name: String?) throws {
        guard !(200..<300).contains(reply.status) else { return }
        var context = ["operation": operation.rawValue]
        if let name { context["secret"] = name }
        let response = HTTPResponse(head: .init(status: reply.status, headers: [:], version: "1.1"), body: reply.body)
        throw Self.statusError(
            response, operation: operation, context: context, write: operation.writes)
    }
}

extension Array where Element == String {
    /// The first two elements, the second empty when absent.
    var splitPair: (String, String) { (first ?? "", count > 1 ? self[1] : "") }
}
