import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
public import ServiceLifecycle

/// The Key Vault emulator as a service: build it from a configuration, then `run()` it (or add it
/// to a `ServiceGroup`).
public struct KeyVaultEmulatorServer: Service {
    public let configuration: EmulatorConfiguration
    /// The CA certificate clients should trust, when the emulator generated its certificates.
    public let caPath: String?
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// Opens the store (replaying persisted data) and prepares TLS; does not listen yet.
    ///
    /// - Parameter onListening: called with the bound port once the server accepts connections.
    public init(
        configuration: EmulatorConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        let vault = try configuration.dataDirectory.map { try SecretVault(directory: $0) } ?? SecretVault()
        let issuer = TokenIssuer(
            keyBytes: try TokenIssuer.loadKey(directory: configuration.dataDirectory), tenant: configuration.tenant,
            requireSignature: configuration.requireTokenSignature || configuration.clientSecret != nil,
            resource: configuration.challengeResource, clientSecret: configuration.clientSecret)

        let server: HTTPServerBuilder
        switch configuration.tls {
        case .disabled:
            server = .http1()
            caPath = nil
        case .files(let certificate, let key):
            let identity = try EmulatorCertificates.load(certificatePath: certificate, keyPath: key)
            server = try .tls(.http1(), tlsConfiguration: Self.tlsConfiguration(identity))
            caPath = nil
        case .generated(let hosts):
            let directory =
                try configuration.dataDirectory.map { $0 + "/tls" }
                ?? PrivateDirectory.makeTemporary(prefix: "keyvault-emulator") + "/tls"
            let identity = try EmulatorCertificates.generated(in: directory, hosts: hosts)
            server = try .tls(.http1(), tlsConfiguration: Self.tlsConfiguration(identity))
            caPath = identity.caPath
        }

        let router = Router(context: BasicRequestContext.self)
        let counter = RequestCounter()
        router.add(middleware: RequestLogMiddleware(counter: counter))
        router.add(middleware: AuthMiddleware(issuer: issuer))
        router.add(middleware: VaultRequestMiddleware(faults: configuration.faults))
        TokenRoutes(issuer: issuer).register(on: router)
        counter.register(on: router)
        router.get("healthz") { _, _ in "ok" }
        SecretRoutes(
            vault: vault, scheme: configuration.tls.isEnabled ? "https" : "http",
            windows: SoftDeleteWindows(delay: configuration.softDeleteDelay, tail: configuration.softDeleteTail),
            purgeProtection: configuration.purgeProtection
        ).register(on: router)

        application = Application(
            router: router, server: server,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }

    private static func tlsConfiguration(_ identity: EmulatorCertificates) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(identity.certificateChainPEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(identity.privateKeyPEM.utf8), format: .pem)
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
    }
}

extension EmulatorConfiguration.TLS {
    var isEnabled: Bool {
        if case .disabled = self { return false }
        return true
    }
}
