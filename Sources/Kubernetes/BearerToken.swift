import Foundation
import Synchronization

/// The bearer token of a configuration; a token file is re-read once a minute, so rotated
/// service-account tokens are picked up.
final class BearerToken: Sendable {
    private let authentication: KubernetesConfiguration.Authentication
    private let cached = Mutex<(token: String, readAt: ContinuousClock.Instant)?>(nil)

    init(_ authentication: KubernetesConfiguration.Authentication) {
        self.authentication = authentication
    }

    func current() throws -> String? {
        switch authentication {
        case .none: return nil
        case .token(let token): return token
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
}
