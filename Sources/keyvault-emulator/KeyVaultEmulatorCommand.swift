import ArgumentParser
import Foundation
import KeyVaultEmulator
import Logging

/// `keyvault-emulator`: a local, persistent, Azure-compatible Key Vault (secrets API).
@main
struct KeyVaultEmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyvault-emulator",
        abstract: "A local Azure Key Vault (secrets) that the official Azure SDKs accept.")

    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(help: "The port to listen on (0 picks a free one).") var port = 4997
    @Option(help: "Persist secrets, the token key and generated certificates here; in memory when absent.")
    var data: String?
    @Option(help: "A PEM server certificate (chain); with --tls-key.") var tlsCert: String?
    @Option(help: "The PEM private key of --tls-cert.") var tlsKey: String?
    @Option(name: .customLong("tls-host"), help: "An extra host name or IP for the generated certificate (repeatable).")
    var tlsHosts: [String] = []
    @Flag(help: "Serve plain HTTP (the Azure SDKs refuse it; local checks only).") var insecureHttp = false
    @Option(help: "The tenant named in the 401 challenge and in issued tokens.")
    var tenant = "00000000-0000-0000-0000-000000000000"
    @Flag(help: "Accept only tokens this emulator issued.") var requireTokenSignature = false
    @Option(
        help: ArgumentHelp(
            "Issue tokens only to clients presenting the client secret in this file (client credentials).",
            discussion: "GET /token is then refused, and only tokens this emulator issued are accepted."))
    var clientSecretFile: String?
    @Option(help: "The resource the 401 challenge names and tokens must be for, e.g. https://vault.azure.cn.")
    var challengeResource = "https://vault.azure.net"
    @Option(help: "The share of vault requests answered 429 Throttled (0…1).") var faultThrottleRate = 0.0
    @Option(help: "The share of vault requests answered 503 (0…1).") var faultErrorRate = 0.0
    @Option(help: "Latency added to every vault request, e.g. 50ms or 1s.") var faultLatency = "0ms"
    @Option(help: "How long deletes and recovers take to complete, as in real Key Vault (5s reproduces it).")
    var softDeleteDelay = "0s"
    @Option(help: "How long after that writes of the name still get 409 (real Key Vault's tail).")
    var softDeleteTail = "0s"
    @Flag(help: "Refuse purges with 403, as a vault with purge protection does.") var purgeProtection = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func validate() throws {
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key go together.")
        }
        guard (0...1).contains(faultThrottleRate), (0...1).contains(faultErrorRate) else {
            throw ValidationError("fault rates are between 0 and 1.")
        }
        guard DurationParser.parse(softDeleteDelay) != nil, DurationParser.parse(softDeleteTail) != nil else {
            throw ValidationError("--soft-delete-delay and --soft-delete-tail: use a duration like 5s or 500ms.")
        }
        guard DurationParser.parse(faultLatency) != nil else {
            throw ValidationError("--fault-latency: use a duration like 50ms or 2s.")
        }
        if clientSecretFile != nil, try readClientSecret() == nil {
            throw ValidationError("--client-secret-file: the file is empty.")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: unknown level \(logLevel).")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "keyvault-emulator")
        let tls: EmulatorConfiguration.TLS
        if insecureHttp {
            tls = .disabled
        } else if let tlsCert, let tlsKey {
            tls = .files(certificate: tlsCert, key: tlsKey)
        } else {
            var hosts = ["localhost", "127.0.0.1"] + tlsHosts
            if !hosts.contains(host), host != "0.0.0.0", host != "::" { hosts.append(host) }
            tls = .generated(hosts: hosts)
        }
        let configuration = EmulatorConfiguration(
            host: host, port: port, dataDirectory: data, tls: tls, tenant: tenant,
            requireTokenSignature: requireTokenSignature, clientSecret: try readClientSecret(),
            challengeResource: challengeResource,
            faults: .init(
                throttleRate: faultThrottleRate, errorRate: faultErrorRate,
                latency: DurationParser.parse(faultLatency) ?? .zero),
            softDeleteDelay: DurationParser.parse(softDeleteDelay) ?? .zero,
            softDeleteTail: DurationParser.parse(softDeleteTail) ?? .zero, purgeProtection: purgeProtection)
        let scheme = insecureHttp ? "http" : "https"
        let started = ContinuousClock.now
        let server = try KeyVaultEmulatorServer(configuration: configuration, logger: logger) { boundPort in
            let ready = ContinuousClock.now - started
            logger.notice(
                "keyvault-emulator listening",
                metadata: ["url": "\(scheme)://\(host):\(boundPort)", "startup": "\(ready)"])
        }
        if let caPath = server.caPath {
            logger.notice(
                "keyvault-emulator certificate authority (trust it in clients)", metadata: ["ca": "\(caPath)"])
        }
        try await server.run()
    }
}

extension KeyVaultEmulatorCommand {
    /// The trimmed content of `--client-secret-file`, `nil` without the flag or when empty.
    func readClientSecret() throws -> String? {
        guard let clientSecretFile else { return nil }
        guard let data = FileManager.default.contents(atPath: clientSecretFile) else {
            throw ValidationError("--client-secret-file: cannot read \(clientSecretFile).")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return secret.isEmpty ? nil : secret
    }
}

/// Durations written as `250ms`, `2s` or `1m`.
enum DurationParser {
    static func parse(_ text: String) -> Duration? {
        let units: [(String, (Int) -> Duration)] = [
            ("ms", { .milliseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) }),
        ]
        for (suffix, make) in units where text.hasSuffix(suffix) {
            if let value = Int(text.dropLast(suffix.count)) { return make(value) }
        }
        return nil
    }
}
