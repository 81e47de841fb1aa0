import Hummingbird
import Synchronization

/// Counts requests per method and path, so tests can check how often clients called the vault
/// (`GET /_emulator/requests?method=GET&path=/secrets/NAME` → `{"count":N}`; without `path`, every
/// request of that method).
final class RequestCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(method: String, path: String) {
        counts.withLock { $0["\(method) \(path.lowercased())", default: 0] += 1 }
    }

    func count(method: String, path: String) -> Int {
        counts.withLock { counts in
            guard !path.isEmpty else { return counts.filter { $0.key.hasPrefix(method + " ") }.values.reduce(0, +) }
            return counts["\(method) \(path.lowercased())"] ?? 0
        }
    }

    private struct Count: Encodable { var count: Int }

    func register<Context: RequestContext>(on router: Router<Context>) {
        router.get("_emulator/requests") { request, _ in
            let method = request.uri.queryParameters.get("method") ?? "GET"
            let path = request.uri.queryParameters.get("path") ?? ""
            return try JSONResponse.make(Count(count: self.count(method: method, path: path)))
        }
    }

    /// Paths outside the vault API: no token, no api-version, no faults.
    static func isOpenPath(_ path: String) -> Bool {
        path == "/token" || path.hasSuffix("/oauth2/v2.0/token") || path.hasPrefix("/_emulator/")
    }
}
