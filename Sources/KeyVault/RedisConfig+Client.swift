package import Redis

extension CachedClientConfig.RedisConfig {
    /// The Redis client's configuration: what the library, the operator and the CLI connect with.
    /// - Throws: `KeyVaultError` (`invalidInput`) naming the TLS file that cannot be used
    ///   (`REDIS_CA_FILE`, `REDIS_CERT_FILE`, `REDIS_KEY_FILE`), and why.
    package func clientConfiguration() throws(KeyVaultError) -> RedisClient.Configuration {
        RedisClient.Configuration(
            host: host, port: port, username: username, password: password, database: db, poolSize: poolSize,
            commandTimeout: commandTimeout, tls: try tls.map(Self.clientTLS), cluster: cluster)
    }

    private static func clientTLS(_ tls: TLS) throws(KeyVaultError) -> RedisClient.TLSConfiguration {
        do {
            return try RedisClient.TLSConfiguration(
                caFile: tls.caFile, certificateFile: tls.certificateFile, keyFile: tls.keyFile,
                serverName: tls.serverName, skipVerify: tls.skipVerify)
        } catch {
            let variable =
                switch error.file {
                case .caFile: "REDIS_CA_FILE"
                case .certificateFile: "REDIS_CERT_FILE"
                case .keyFile: "REDIS_KEY_FILE"
                }
            throw KeyVaultError(.invalidInput, "\(variable): \(error.message)", context: ["variable": variable])
        }
    }
}
