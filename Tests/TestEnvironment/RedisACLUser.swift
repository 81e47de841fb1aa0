import Foundation
import Redis

/// A Redis ACL user on the shared redis-server made from the least-privilege rule that
/// `docs/security.md` documents, read from the document itself so that the two cannot drift.
public struct RedisACLUser: Sendable {
    public let username: String
    public let password: String

    /// The documented rule, or a grant a test withholds from it, is not where the test expects it.
    public struct RuleMissing: Error, CustomStringConvertible {
        public let what: String
        public var description: String { "docs/security.md lacks \(what)" }
    }

    /// The documented `ACL SETUSER keyvault …` line, split into its arguments.
    public static func documentedRule() throws -> [String] {
        let document = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/security.md")
        let text = try String(contentsOf: document, encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACL SETUSER keyvault ") }) else {
            throw RuleMissing(what: "the `ACL SETUSER keyvault` line of docs/security.md")
        }
        return line.split(separator: " ").map(String.init)
    }

    /// Creates a user with a unique name and password on the shared redis-server (or on every
    /// node listening on `ports`), granted the documented rule without the grants in `withheld`
    /// (such as `+client|tracking`).
    public static func create(
        withholding withheld: Set<String> = [], on ports: [Int]? = nil
    ) async throws
        -> RedisACLUser
    {
        let rule = try documentedRule()
        let username = "kvo-\(UUID().uuidString.prefix(8).lowercased())"
        let password = UUID().uuidString
        var arguments = ["ACL", "SETUSER", username]
        for grant in rule.dropFirst(3) where !withheld.contains(grant) {
            arguments.append(grant == ">PASSWORD" ? ">\(password)" : grant)
        }
        guard arguments.count == rule.count - withheld.count else {
            throw RuleMissing(what: "the grants \(withheld.sorted()) in the documented rule")
        }
        let user = RedisACLUser(
            username: username, password: password, ports: try ports ?? [TestEnvironment.redis().port])
        try await user.administer(arguments)
        return user
    }

    /// Removes the user.
    public func delete() async throws {
        try await administer(["ACL", "DELUSER", username])
    }

    private let ports: [Int]

    private func administer(_ arguments: [String]) async throws {
        let host = try TestEnvironment.redis().host
        for port in ports {
            let admin = RedisClient(patient: .init(host: host, port: port, poolSize: 1))
            defer { admin.close() }
            _ = try await admin.send(RedisCommand(arguments: arguments.map { Data($0.utf8) }))
        }
    }
}
