public import Foundation

/// Reads the fixed environment variables (docs/configuration.md, "Environment variables").
public enum EnvironmentConfiguration {
    /// `30s`, `5m`, `500ms`, `1h`, or a bare number of seconds.
    public static func parseDuration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, seconds) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 {
                return .milliseconds(Int(value * seconds * 1000))
            }
        }
        return Double(text).flatMap { $0 >= 0 ? .milliseconds(Int($0 * 1000)) : nil }
    }

    static func duration(_ environment: [String: String], _ name: String, default value: Duration) throws -> Duration {
        guard let text = environment[name], !text.isEmpty else { return value }
        guard let parsed = parseDuration(text) else {
            throw KeyVaultError(
                .invalidInput, "\(name) is not a duration (use e.g. 30s, 5m, 500ms)", context: ["variable": name])
        }
        return parsed
    }

    /// The variable's value; an empty one counts as unset.
    static func string(_ environment: [String: String], _ name: String) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    static func bool(_ environment: [String: String], _ name: String) throws -> Bool {
        switch environment[name]?.lowercased() {
        case nil, "", "false", "0", "no": return false
        case "true", "1", "yes": return true
        default: throw KeyVaultError(.invalidInput, "\(name) must be true or false", context: ["variable": name])
        }
    }

    /// The credential, first match wins, in `DefaultAzureCredential`'s order: client secret
    /// (`AZURE_CLIENT_SECRET`), client certificate (`AZURE_CLIENT_CERTIFICATE_PATH`), workload identity (`AZURE_FEDERATED_TOKEN_FILE`), managed identity
    /// (App Service's `IDENTITY_ENDPOINT`, or IMDS at `AZURE_POD_IDENTITY_AUTHORITY_HOST`), then a
    /// static token (`KEYVAULT_TOKEN`, development); with none of these, managed identity through
    /// IMDS for a vault on a Key Vault domain, else the emulator's token endpoint.
    package static func credential(_ environment: [String: String], vaultURL: String) throws -> Credential {
        func value(_ name: String) -> String? { string(environment, name) }
        let authority = value("AZURE_AUTHORITY_HOST") ?? "https://login.microsoftonline.com"
        // Client secrets and federated tokens go there: never in clear text.
        guard authority.lowercased().hasPrefix("https://") else {
            throw KeyVaultError(
                .invalidInput, "AZURE_AUTHORITY_HOST must be an https:// URL",
                context: ["variable": "AZURE_AUTHORITY_HOST"])
        }
        let tenant = value("AZURE_TENANT_ID") ?? ""
        let client = value("AZURE_CLIENT_ID")
        if let secret = value("AZURE_CLIENT_SECRET") {
            guard !tenant.isEmpty, let client else {
                throw KeyVaultError(.invalidInput, "client credentials need AZURE_TENANT_ID and AZURE_CLIENT_ID")
            }
            return .clientSecret(tenantID: tenant, clientID: client, secret: secret, authorityHost: authority)
        }
        if let file = value("AZURE_CLIENT_CERTIFICATE_PATH") {
            guard !tenant.isEmpty, let client else {
                throw KeyVaultError(.invalidInput, "certificate credentials need AZURE_TENANT_ID and AZURE_CLIENT_ID")
            }
            _ = try ClientCertificate(path: file)  // an unusable file stops start-up, naming the variable
            return .clientCertificate(
                tenantID: tenant, clientID: client, certificateFile: file,
                sendChain: try EnvironmentConfiguration.bool(environment, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"),
                authorityHost: authority)
        }
        if let file = value("AZURE_FEDERATED_TOKEN_FILE") {
            guard !tenant.isEmpty, let client else {
                throw KeyVaultError(.invalidInput, "workload identity needs AZURE_TENANT_ID and AZURE_CLIENT_ID")
            }
            return .workloadIdentity(tenantID: tenant, clientID: client, tokenFile: file, authorityHost: authority)
        }
        if let endpoint = value("IDENTITY_ENDPOINT") {
            guard let header = value("IDENTITY_HEADER") else {
                throw KeyVaultError(
                    .invalidInput, "IDENTITY_ENDPOINT (App Service managed identity) needs IDENTITY_HEADER",
                    context: ["variable": "IDENTITY_HEADER"])
            }
            return .managedIdentity(clientID: client, endpoint: .appService(url: endpoint, header: header))
        }
        if let host = value("AZURE_POD_IDENTITY_AUTHORITY_HOST") {
            guard host.hasPrefix("http://") || host.hasPrefix("https://") else {
                throw KeyVaultError(
                    .invalidInput, "AZURE_POD_IDENTITY_AUTHORITY_HOST must be an http:// or https:// URL",
                    context: ["variable": "AZURE_POD_IDENTITY_AUTHORITY_HOST"])
            }
            return .managedIdentity(clientID: client, endpoint: .imds(host: host))
        }
        if let token = value("KEYVAULT_TOKEN") { return .staticToken(token) }
        if VaultResource.domain(of: vaultURL) != nil {
            return .managedIdentity(clientID: client, endpoint: .imds(host: ManagedIdentityEndpoint.imdsHost))
        }
        return .emulator
    }
}

extension ClientConfig {
    /// The configuration the environment describes (`KEYVAULT_URL`, `KEYVAULT_TIMEOUT`,
    /// `KEYVAULT_TLS_SKIP_VERIFY`, `KEYVAULT_CA_FILE`, the credential variables, `SSL_CERT_FILE`).
    ///
    /// - Throws: `KeyVaultError` (`invalidInput`) naming the variable that is wrong.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClientConfig {
        var caBundle: Data?
        if let path = environment["KEYVAULT_CA_FILE"], !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw KeyVaultError(.tlsFailed, "cannot read KEYVAULT_CA_FILE", context: ["file": path])
            }
            caBundle = data
        }
        let vaultURL = EnvironmentConfiguration.string(environment, "KEYVAULT_URL") ?? "https://iot-keyvault:4997"
        return ClientConfig(
            vaultURL: vaultURL,
            timeout: try EnvironmentConfiguration.duration(environment, "KEYVAULT_TIMEOUT", default: .seconds(30)),
            insecureSkipVerify: try EnvironmentConfiguration.bool(environment, "KEYVAULT_TLS_SKIP_VERIFY"),
            caBundle: caBundle, systemRootsFile: EnvironmentConfiguration.string(environment, "SSL_CERT_FILE"),
            credential: try EnvironmentConfiguration.credential(environment, vaultURL: vaultURL))
    }
}

extension CachedClientConfig {
    /// The configuration the environment describes: `ClientConfig.fromEnvironment` plus
    /// `KEYVAULT_CACHE_TTL`, `KEYVAULT_CACHE_PREFIX`, `KEYVAULT_CACHE_ENCRYPTION_KEY` (and `_PREVIOUS`),
    /// `KEYVAULT_L1_CACHE_SIZE` and `REDIS_*`.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> CachedClientConfig {
        func keys(_ variable: String) throws -> [Data] {
            let texts = (environment[variable] ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            return try texts.filter { !$0.isEmpty }.map { text in
                guard let data = Data(base64Encoded: text), data.count == 32 else {
                    throw KeyVaultError(
                        .invalidInput, "\(variable) must hold 32 bytes in base64 (comma-separated for several)",
                        context: ["variable": variable])
                }
                return data
            }
        }
        let current = try keys("KEYVAULT_CACHE_ENCRYPTION_KEY")
        guard current.count <= 1 else {
            throw KeyVaultError(
                .invalidInput, "KEYVAULT_CACHE_ENCRYPTION_KEY holds one key; older ones go to _PREVIOUS",
                context: ["variable": "KEYVAULT_CACHE_ENCRYPTION_KEY"])
        }
        func integer(_ name: String, _ value: Int, minimum: Int = .min) throws -> Int {
            guard let text = environment[name], !text.isEmpty else { return value }
            guard let parsed = Int(text) else {
                throw KeyVaultError(.invalidInput, "\(name) must be a whole number", context: ["variable": name])
            }
            guard parsed >= minimum else {
                throw KeyVaultError(.invalidInput, "\(name) must be at least \(minimum)", context: ["variable": name])
            }
            return parsed
        }
        return CachedClientConfig(
            keyVault: try ClientConfig.fromEnvironment(environment),
            redis: try redisConfig(environment) { try integer($0, $1) },
            cacheTTL: try EnvironmentConfiguration.duration(environment, "KEYVAULT_CACHE_TTL", default: .seconds(300)),
            cachePrefix: EnvironmentConfiguration.string(environment, "KEYVAULT_CACHE_PREFIX") ?? "keyvault:",
            encryptionKey: current.first, l1CacheSize: try integer("KEYVAULT_L1_CACHE_SIZE", 0, minimum: 0),
            previousEncryptionKeys: try keys("KEYVAULT_CACHE_ENCRYPTION_KEY_PREVIOUS"))
    }

    /// `REDIS_URL` when set (it wins over `REDIS_HOST`, `REDIS_PORT`, `REDIS_PASSWORD` and
    /// `REDIS_DB`), else those; `REDIS_USERNAME` when the URL names no user; TLS for `rediss://` or
    /// `REDIS_TLS=true`, with `REDIS_CA_FILE`, `REDIS_CERT_FILE`, `REDIS_KEY_FILE`,
    /// `REDIS_TLS_SERVER_NAME` and `REDIS_TLS_SKIP_VERIFY`; `REDIS_CLUSTER`. A contradiction or an unusable file is
    /// an error naming the variable, at start-up rather than at the first connection.
    static func redisConfig(
        _ environment: [String: String], integer: (String, Int) throws -> Int
    ) throws -> RedisConfig {
        func value(_ name: String) -> String? { EnvironmentConfiguration.string(environment, name) }
        var config: RedisConfig
        var urlAsksForTLS = false
        if let text = value("REDIS_URL") {
            let url = try RedisURL(parsing: text)
            urlAsksForTLS = url.tls
            config = RedisConfig(
                host: url.host, port: url.port, username: url.username ?? value("REDIS_USERNAME"),
                password: url.password, db: url.database)
        } else {
            config = RedisConfig(
                host: value("REDIS_HOST") ?? "localhost", port: try integer("REDIS_PORT", 6379),
                username: value("REDIS_USERNAME"), password: value("REDIS_PASSWORD"), db: try integer("REDIS_DB", 0))
        }
        config.cluster = try EnvironmentConfiguration.bool(environment, "REDIS_CLUSTER")
        config.commandTimeout = try EnvironmentConfiguration.duration(
            environment, "REDIS_COMMAND_TIMEOUT", default: config.commandTimeout)
        if config.cluster, config.db != 0 {
            throw KeyVaultError(
                .invalidInput,
                "REDIS_CLUSTER=true allows only database 0, but REDIS_DB (or REDIS_URL) names \(config.db)",
                context: ["variable": "REDIS_DB"])
        }
        let tlsAsked = try EnvironmentConfiguration.bool(environment, "REDIS_TLS")
        if urlAsksForTLS, value("REDIS_TLS") != nil, !tlsAsked {
            throw KeyVaultError(
                .invalidInput, "REDIS_TLS=false contradicts REDIS_URL, a rediss:// (TLS) URL",
                context: ["variable": "REDIS_TLS"])
        }
        let tlsSettings = ["REDIS_CA_FILE", "REDIS_CERT_FILE", "REDIS_KEY_FILE", "REDIS_TLS_SERVER_NAME"]
        guard urlAsksForTLS || tlsAsked else {
            if let stray = (tlsSettings + ["REDIS_TLS_SKIP_VERIFY"]).first(where: { value($0) != nil }) {
                throw KeyVaultError(
                    .invalidInput, "\(stray) is set but TLS to Redis is off: use a rediss:// URL or REDIS_TLS=true",
                    context: ["variable": stray])
            }
            return config
        }
        config.tls = RedisConfig.TLS(
            caFile: value("REDIS_CA_FILE"), certificateFile: value("REDIS_CERT_FILE"), keyFile: value("REDIS_KEY_FILE"),
            serverName: value("REDIS_TLS_SERVER_NAME"),
            skipVerify: try EnvironmentConfiguration.bool(environment, "REDIS_TLS_SKIP_VERIFY"))
        // Reads the files now: a missing CA or a certificate without its key stops start-up.
        _ = try config.clientConfiguration()
        return config
    }
}
