import Foundation

/// A Redis connection URL, `redis://[user[:password]@]host[:port][/db]`, as `REDIS_URL` takes it.
/// User and password may be percent-encoded. Errors name the variable, never the password.
struct RedisURL: Equatable {
    var host: String
    var port: Int
    var username: String?
    var password: String?
    var database: Int
    /// `rediss://`: TLS was asked for.
    var tls: Bool

    init(parsing text: String, variable: String = "REDIS_URL") throws {
        func invalid(_ problem: String) -> KeyVaultError {
            KeyVaultError(
                .invalidInput, "\(variable) must be redis://[user[:password]@]host[:port][/db]: \(problem)",
                context: ["variable": variable])
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased() else {
            throw invalid("not a URL")
        }
        guard scheme == "redis" || scheme == "rediss" else { throw invalid("the scheme is \(scheme)") }
        guard let host = components.host, !host.isEmpty else { throw invalid("no host") }
        guard components.query == nil, components.fragment == nil else { throw invalid("a query or fragment") }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        guard path.isEmpty || Int(path).map({ $0 >= 0 }) == true else { throw invalid("the database is not a number") }
        let port = components.port ?? 6379
        guard (1...65535).contains(port) else { throw invalid("the port is out of range") }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        username = components.user.flatMap { $0.isEmpty ? nil : $0 }
        password = components.password.flatMap { $0.isEmpty ? nil : $0 }
        database = Int(path) ?? 0
        tls = scheme == "rediss"
    }
}
