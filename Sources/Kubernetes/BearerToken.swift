import Foundation
import HTTPTransport
import Synchronization

/// The bearer token of a configuration; a token file is re-read once a minute, so rotated
/// service-account tokens are picked up; an exec plugin runs again when its credential expires or
/// the server refuses it.
final class BearerToken: Sendable {
    private let authentication: KubernetesConfiguration.Authentication
    private let cached = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)
    private let exec: ExecCredentials?

    init(_ authentication: KubernetesConfiguration.Authentication) {
        self.authentication = authentication
        if case .exec(let plugin, let initial) = authentication {
            exec = ExecCredentials(plugin: plugin, initial: initial)
        } else {
            exec = nil
        }
    }

    func current() async throws -> String? {
        switch authentication {
        case .none: return nil
        case .token(let token): return token
        case .exec: return try await exec?.token()
        case .tokenFile(let path):
            if let cached = cached.withLock({ $0 }), ContinuousClock.now - cached.readAt < .seconds(60) {
                return cached.token
            }
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw KubernetesError(code: 0, reason: "Unauthorized", message: "cannot read the token file \(path)")
            }
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            cached.withLock { $0 = (token, ContinuousClock.now) }
            return token
        }
    }

    /// Whether `request`, refused with 401, may be sent again: its exec credential was dropped
    /// and the plugin will run again (as client-go does); other tokens are what they are.
    func refused(_ request: HTTPRequest) async -> Bool {
        guard let exec, let header = request.headers["Authorization"] else { return false }
        await exec.drop(String(header.dropFirst("Bearer ".count)))
        return true
    }
}

/// An exec plugin's credential, shared by every request, run again by one caller at a time.
actor ExecCredentials {
    private let plugin: ExecCredentialPlugin
    private var credential: ExecCredentialPlugin.Credential?
    private var running: Task<ExecCredentialPlugin.Credential, any Error>?

    init(plugin: ExecCredentialPlugin, initial: ExecCredentialPlugin.Credential) {
        self.plugin = plugin
        credential = initial
    }

    func token() async throws -> String? {
        if let credential, credential.expiration.map({ Date() < $0 }) ?? true { return credential.token }
        let task = running ?? Task { try await plugin.run() }
        running = task
        defer { running = nil }
        do {
            let fresh = try await task.value
            credential = fresh
            return fresh.token
        } catch {
            throw KubernetesError(code: 401, reason: "Unauthorized", message: "\(error)")
        }
    }

    /// Drops `token` if it is still the current one (another caller may have replaced it already).
    func drop(_ token: String) {
        if credential?.token == token { credential = nil }
    }
}
