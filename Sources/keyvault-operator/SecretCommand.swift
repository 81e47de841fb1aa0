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
        @Option(help: "The value (visible in the process list; prefer --value-file or standard input).") var value:
            String?
        @Option(help: "A file holding the value.") var valueFile: String?
        @Option(help: "The content type.") var contentType: String?

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let secret = try readValue()
                let properties = try await CommandSupport.cachedClient().setSecret(
                    name, value: secret, attributes: .init(contentType: contentType))
                print("\(properties.name) version \(properties.version)")
            }
        }

        private func readValue() throws -> String {
            if let value { return value }
            if let valueFile {
                guard let data = FileManager.default.contents(atPath: valueFile) else {
                    throw KeyVaultError(.invalidInput, "cannot read the value file", context: ["file": valueFile])
                }
                return String(decoding: data, as: UTF8.self)
            }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
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
