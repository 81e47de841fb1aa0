public import ArgumentParser
import Foundation
import KeyVault
import Logging

/// What every library subcommand shares: the client from the environment, and errors printed
/// with their code on standard error before a non-zero exit.
enum CommandSupport {
    static func cachedClient() throws -> CachedClient {
        try CachedClient(
            config: CachedClientConfig.fromEnvironment(),
            logger: Logger(label: "keyvault-operator", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    /// Runs `body`; a `KeyVaultError` is printed as `[CODE] LEVEL: …` and exits with status 1.
    static func reportingErrors(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let error as KeyVaultError {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// One line on standard error.
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data("\(line)\n".utf8))
    }

    static func date(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static func table(_ rows: [[String]]) -> String {
        guard let columns = rows.first?.count else { return "" }
        let widths = (0..<columns).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(
                separator: "  "
            )
            .trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}

extension IntegrationType: ExpressibleByArgument {}
