import ArgumentParser
import Foundation
import KeyVault

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Read and write Key Vault secrets (through the Redis cache).",
        subcommands: [Get.self, Set.self, Delete.self, List.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a secret's value.")
        @Argument var name: String

        func run() async throws {
            try await CommandSupport.reportingErrors {
                print(try await CommandSupport.cachedClient().getSecret(name).value)
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a new version (value from --value, --value-file or standard input).")
        @Argument var name: String
        @OptionGroup var input: ValueInput
        @Option(help: "The content type.") var contentType: String?

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let secret = try input.read()
                let client = try CommandSupport.cachedClient()
                // A PUT replaces the tags: keep the ones there (the owner tag above all).
                let tags = try await client.currentTags(of: name)
                let properties = try await client.setSecret(
                    name, value: secret, attributes: .init(contentType: contentType, tags: tags))
                print("\(properties.name) version \(properties.version)")
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Soft-delete a secret.")
        @Argument var name: String

        func run() async throws {
            try await CommandSupport.reportingErrors {
                try await CommandSupport.cachedClient().deleteSecret(name)
                print("deleted \(name)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List secrets (names and dates, never values).")

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let secrets = try await CommandSupport.cachedClient().listSecrets()
                let rows =
                    [["NAME", "ENABLED", "EXPIRES", "UPDATED"]]
                    + secrets.map {
                        [
                            $0.name, "\($0.enabled)", CommandSupport.date($0.expiresAt),
                            CommandSupport.date($0.updatedAt),
                        ]
                    }
                print(CommandSupport.table(rows))
            }
        }
    }
}
