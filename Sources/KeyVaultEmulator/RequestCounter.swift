import Hummingbird
import Synchronization

/// Counts requests per method and path, so tests can check how often clients called the vault
/// (`GET /_emulator/requests?method=GET&path=/secrets/NAME` → `{"count":N}`; without `path`, every
/// request of that method).
final class RequestCounter: Sendable {
    /// Per `METHOD path`, and per method alone: a benchmark reads the totals several times a second
    /// while tens of thousands of paths are counted.
    private let counts = Mutex<(byPath: [String: Int], byMethod: [String: Int])>(([:], [:]))

    func record(method: String, path: String) {
        counts.withLock { counts in
            counts.byPath["\(method) \(path.lowercased())", default: 0] += 1
            counts.byMethod[method, default: 0] += 1
        }
    }

    func count(method: String, path: String) -> Int {
        counts.withLock { counts in
            path.isEmpty ? counts.byMethod[method] ?? 0 : counts.byPath["\(method) \(path.lowercased())"] ?? 0
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
        path == "/token" || path == "/healthz" || path.hasSuffix("/oauth2/v2.0/token") || path.hasPrefix("/_emulator/")
    }
}
