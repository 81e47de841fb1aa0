public import struct Foundation.Data

/// How `KeyVaultClient` reaches the vault.
public struct ClientConfig: Sendable {
    /// The vault's base URL, e.g. `https://my-vault.vault.azure.net` or `https://localhost:4997`;
    /// a trailing slash is dropped however it is set.
    public var vaultURL: String {
        didSet { vaultURL = Self.withoutTrailingSlash(vaultURL) }
    }
    /// The limit on one operation, retries included.
    public var timeout: Duration
    /// Skips TLS verification. Local development only.
    public var insecureSkipVerify: Bool
    /// A PEM bundle of CAs to trust instead of the system's, for the vault only.
    public var caBundle: Data?
    /// The system roots, when not libcurl's built-in bundle (`SSL_CERT_FILE`, OpenSSL's convention).
    /// The identity endpoint is always verified against these: neither `caBundle` nor
    /// `insecureSkipVerify` applies to it, so a client secret or a federated token never goes to a
    /// peer the vault's development settings would let through.
    public var systemRootsFile: String?
    public var credential: Credential
    public var apiVersion: String
    public var retry: RetryPolicy
    /// Awaited before every HTTP attempt, retries and health checks included:
    /// a rate limit's turn (the operator's `--vault-rate-limit`). It may throw to give up.
    public var requestGate: (@Sendable () async throws -> Void)?

    public init(
        vaultURL: String = "https://iot-keyvault:4997", timeout: Duration = .seconds(30),
        insecureSkipVerify: Bool = false,
        caBundle: Data? = nil, systemRootsFile: String? = nil, credential: Credential = .emulator,
        apiVersion: String = "7.5", retry: RetryPolicy = .init(),
        requestGate: (@Sendable () async throws -> Void)? = nil
    ) {
        self.vaultURL = Self.withoutTrailingSlash(vaultURL)
        self.timeout = timeout
        self.insecureSkipVerify = insecureSkipVerify
        self.caBundle = caBundle
        self.systemRootsFile = systemRootsFile
        self.credential = credential
        self.apiVersion = apiVersion
        self.retry = retry
        self.requestGate = requestGate
    }

    static func withoutTrailingSlash(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

/// How the client obtains bearer tokens.
public enum Credential: Sendable, Equatable {
    /// A fixed token (`KEYVAULT_TOKEN`).
    case staticToken(String)
    /// The emulator's `GET /token` on the vault host.
    case emulator
    /// Entra ID client credentials (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET`).
    case clientSecret(tenantID: String, clientID: String, secret: String, authorityHost: String)
    /// Entra ID certificate credentials (`AZURE_CLIENT_CERTIFICATE_PATH`: a PEM file with the
    /// certificate and its RSA key, read at each token request so that a renewed one is used);
    /// `sendChain` adds the chain to the assertion (`AZURE_CLIENT_SEND_CERTIFICATE_CHAIN`).
    case clientCertificate(
        tenantID: String, clientID: String, certificateFile: String, sendChain: Bool, authorityHost: String)
    /// Workload identity: a federated token file exchanged for an access token.
    case workloadIdentity(tenantID: String, clientID: String, tokenFile: String, authorityHost: String)
    /// Managed identity: a token from the host's identity endpoint; `clientID` picks a
    /// user-assigned identity, `nil` the system-assigned one.
    case managedIdentity(clientID: String?, endpoint: ManagedIdentityEndpoint)

    /// A description that names the kind of credential only.
    public var kind: String {
        switch self {
        case .staticToken: "static-token"
        case .emulator: "emulator"
        case .clientSecret: "client-secret"
        case .clientCertificate: "client-certificate"
        case .workloadIdentity: "workload-identity"
        case .managedIdentity: "managed-identity"
        }
    }

    /// The credential for a start-up log line: its kind and where tokens come from, never a secret.
    public var summary: String {
        switch self {
        case .staticToken, .emulator: kind
        case .clientSecret(let tenant, let client, _, let authority),
            .workloadIdentity(let tenant, let client, _, let authority),
            .clientCertificate(let tenant, let client, _, _, let authority):
            "\(kind) (client \(client), tenant \(tenant), authority \(authority))"
        case .managedIdentity(let client, let endpoint):
            "\(kind) (\(endpoint.summary), \(client.map { "user-assigned client \($0)" } ?? "system-assigned"))"
        }
    }
}

/// Where a managed identity's tokens come from.
public enum ManagedIdentityEndpoint: Sendable, Equatable {
    /// The Azure Instance Metadata Service (VMs, AKS nodes): `{host}/metadata/identity/oauth2/token`.
    case imds(host: String)
    /// App Service and Container Apps: `IDENTITY_ENDPOINT`, authenticated by `IDENTITY_HEADER`.
    case appService(url: String, header: String)

    /// The IMDS host every Azure VM reaches.
    public static let imdsHost = "http://169.254.169.254"

    /// Its address, for logs and errors: never the App Service header.
    var address: String {
        switch self {
        case .imds(let host): host
        case .appService(let url, _): url
        }
    }

    /// Its kind and address, e.g. `IMDS at http://169.254.169.254`.
    var summary: String {
        switch self {
        case .imds: "IMDS at \(address)"
        case .appService: "App Service endpoint \(address)"
        }
    }
}
