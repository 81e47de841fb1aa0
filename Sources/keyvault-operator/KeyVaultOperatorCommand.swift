import ArgumentParser

/// `keyvault-operator`: the UserIntegration operator and the tools of the KeyVault library.
@main
struct KeyVaultOperatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyvault-operator",
        abstract: "Per-user integration secrets in Azure Key Vault, with Redis in front.",
        discussion: """
            Configured by the environment: KEYVAULT_URL, KEYVAULT_TIMEOUT, KEYVAULT_CA_FILE, KEYVAULT_TLS_SKIP_VERIFY, \
            KEYVAULT_TOKEN, AZURE_* or managed identity (IDENTITY_ENDPOINT, AZURE_POD_IDENTITY_AUTHORITY_HOST) \
            credentials, KEYVAULT_CACHE_TTL, KEYVAULT_CACHE_PREFIX, KEYVAULT_CACHE_ENCRYPTION_KEY, REDIS_URL or \
            REDIS_HOST, REDIS_PORT, REDIS_USERNAME, REDIS_PASSWORD, REDIS_DB, REDIS_TLS and REDIS_CLUSTER.
            """,
        subcommands: [
            RunCommand.self, SecretCommand.self, IntegrationCommand.self, CacheCommand.self, HealthCommand.self,
            ValidateCommand.self, VersionCommand.self,
        ])
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    static let version = "0.1.0"

    func run() {
        print("keyvault-operator \(Self.version)")
    }
}
