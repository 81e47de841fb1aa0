import ArgumentParser
import Foundation
import KeyVault

struct IntegrationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integration", abstract: "A user's integrations: status and masked keys, never values.",
        subcommands: [Get.self, List.self, Set.self, Delete.self])

    /// The user and integration type most subcommands take.
    struct Target: ParsableArguments {
        @Option(name: .customLong("user"), help: "The user ID.") var userID: String
        @Option(
            help: "weather, google_home, alexa, ifttt, energy_provider, sms_notification, mqtt_broker or smartthings.")
        var type: IntegrationType
    }

    static let columns = ["type", "status", "masked key", "expires"]

    static func row(_ integration: Integration) -> [String] {
        [
            integration.type.rawValue, integration.status.rawValue,
            integration.maskedKey.isEmpty ? "-" : integration.maskedKey,
            CommandSupport.date(integration.expiresAt),
        ]
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One integration's status.")
        @OptionGroup var target: Target

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let integration = try await CommandSupport.cachedClient().getUserIntegration(
                    userID: target.userID, type: target.type)
                print(
                    OutputFormat.table.render(
                        columns: IntegrationCommand.columns, rows: [IntegrationCommand.row(integration)]))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "All eight integrations of a user.")
        @Option(name: .customLong("user")) var userID: String
        @OptionGroup var format: OutputFormat.Option

        func run() async throws {
            try await CommandSupport.reportingErrors {
                let integrations = try await CommandSupport.cachedClient().listUserIntegrations(userID: userID)
                print(
                    format.output.render(
                        columns: IntegrationCommand.columns, rows: integrations.map(IntegrationCommand.row)))
            }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a user's credential for an integration (from --value-file or standard input).")
        @OptionGroup var target: Target
        @OptionGroup var input: ValueInput
        @Option(help: "RFC 3339 expiry, e.g. 2026-12-28T00:00:00Z.") var expiresAt: String?

        func run() async throws {
            try await CommandSupport.reportingErrors {
                var expiry: Date?
                if let expiresAt {
                    guard let parsed = ISO8601DateFormatter().date(from: expiresAt) else {
                        throw KeyVaultError(.invalidInput, "--expires-at must be RFC 3339, e.g. 2026-12-28T00:00:00Z")
                    }
                    expiry = parsed
                }
                let integration = try await CommandSupport.cachedClient().setUserIntegration(
                    userID: target.userID, type: target.type, value: try input.read(), expiresAt: expiry)
                print(
                    OutputFormat.table.render(
                        columns: IntegrationCommand.columns, rows: [IntegrationCommand.row(integration)]))
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a user's integration.")
        @OptionGroup var target: Target

        func run() async throws {
            try await CommandSupport.reportingErrors {
                try await CommandSupport.cachedClient().deleteUserIntegration(userID: target.userID, type: target.type)
                print("deleted \(target.type.rawValue) of \(target.userID)")
            }
        }
    }
}
