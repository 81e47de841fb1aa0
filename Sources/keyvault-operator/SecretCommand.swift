import ArgumentParser
import Foundation
import KeyVault

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Read and write Key Vault secrets (through the Redis cache).",
        subcommands: [Get.self, Set.self, Delete.self, List.self])

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a secret's value; with -o json or yaml, its metadata only (never the value).")
        @Argument var name: String
        @ArgumentParser.Option(name: [.customShort("o"), .long], help: "json or yaml: the metadata, not the value.")
        var output: OutputFormat?

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let secret = try await CommandSupport.cachedClient().getSecret(name)
                guard let output, output != .table else { return print(secret.value) }
                print(output.render(columns: SecretCommand.columns, rows: [SecretCommand.row(secret.properties)]))
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
        @OptionGroup var format: OutputFormat.Option

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let secrets = try await CommandSupport.cachedClient().listSecrets()
                print(format.output.render(columns: SecretCommand.columns, rows: secrets.map(SecretCommand.row)))
            }
        }
    }

    static let columns = ["name", "version", "enabled", "expires", "updated"]

    static func row(_ properties: SecretProperties) -> [String] {
        [
            properties.name, properties.version.isEmpty ? "-" : properties.version, "\(properties.enabled)",
            CommandSupport.date(properties.expiresAt), CommandSupport.date(properties.updatedAt),
        ]
    }
}
