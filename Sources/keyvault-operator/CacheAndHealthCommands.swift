import ArgumentParser
import Foundation
import KeyVault
import Redis

struct CacheCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache", abstract: "The Redis cache.", subcommands: [Stats.self])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Entries cached under the prefix, by kind.")
        @OptionGroup var format: OutputFormat.Option

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let config = try CachedClientConfig.fromEnvironment()
                let redis = RedisClient(configuration: try config.redis.clientConfiguration())
                let keys: [String]
                do {
                    keys = try await redis.scanAll(match: config.cachePrefix + "*")
                } catch {
                    throw KeyVaultError(
                        .cacheUnavailable, "\(error)", context: ["redis": "\(config.redis.host):\(config.redis.port)"])
                }
                let integrations = keys.filter { $0.hasPrefix(config.cachePrefix + "user:") }.count
                let secrets = keys.filter { $0.hasPrefix(config.cachePrefix + "secret:") }.count
                print(
                    format.output.render(
                        columns: ["prefix", "entries", "integrations", "secrets", "ttl", "encrypted"],
                        rows: [
                            [
                                config.cachePrefix, "\(keys.count)", "\(integrations)", "\(secrets)",
                                "\(config.cacheTTL)", "\(config.encryptionKey != nil)",
                            ]
                        ]))
            }
        }
    }
}

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check the vault and Redis; exit 0 only when both are reachable.")
    @OptionGroup var format: OutputFormat.Option

    func run() async throws {
        try await CommandSupport.reportingErrors {
            let report = try await CommandSupport.cachedClient().health()
            let rows = report.components.map { component in
                [component.name, component.healthy ? "ok" : "down", "\(component.latency)", component.error ?? "-"]
            }
            print(format.output.render(columns: ["component", "status", "latency", "error"], rows: rows))
            guard report.healthy else {
                FileHandle.standardError.write(
                    Data("unhealthy: \(report.unhealthyComponents.joined(separator: ", "))\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
