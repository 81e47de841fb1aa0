public import Foundation
public import HTTPTransport

/// Where the API server is and how to authenticate, resolved from a kubeconfig or the in-cluster
/// service account.
public struct KubernetesConfiguration: Sendable {
    /// How requests authenticate.
    public enum Authentication: Sendable {
        case none
        case token(String)
        /// A token file re-read periodically (projected service-account tokens rotate).
        case tokenFile(String)
        /// An exec credential plugin's token, run again when it expires or the server refuses it.
        case exec(ExecCredentialPlugin, initial: ExecCredentialPlugin.Credential)
    }

    /// The API server's base URL, e.g. `https://10.0.0.1:443`.
    public var server: String
    /// CA and client certificate; verification is on unless the kubeconfig says `insecure-skip-tls-verify`.
    public var tls: HTTPClient.TLSConfiguration
    public var authentication: Authentication
    /// The namespace of the context (or of the pod), `default` when none is given.
    public var namespace: String
    /// Sent with every request: the API server names this client's writes in `managedFields` and
    /// audit logs by it.
    public var userAgent = "keyvault-operator"

    public init(
        server: String, tls: HTTPClient.TLSConfiguration, authentication: Authentication, namespace: String = "default"
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.tls = tls
        self.authentication = authentication
        self.namespace = namespace
    }

    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The in-cluster configuration: `KUBERNETES_SERVICE_HOST`/`PORT`, the service account's token,
    /// CA and namespace files.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment, directory: String = serviceAccountDirectory
    ) throws -> KubernetesConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], let port = environment["KUBERNETES_SERVICE_PORT"],
            !host.isEmpty
        else {
            throw KubernetesConfigurationError(
                "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set")
        }
        let caPath = directory + "/ca.crt"
        guard FileManager.default.isReadableFile(atPath: caPath) else {
            throw KubernetesConfigurationError(
                "the service account CA \(caPath) is missing: refusing to connect without verification")
        }
        let namespace = (try? String(contentsOfFile: directory + "/namespace", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return KubernetesConfiguration(
            server: "https://\(hostPart):\(port)", tls: .init(trust: .file(caPath)),
            authentication: .tokenFile(directory + "/token"),
            namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default")
    }

    /// The configuration client-go would pick: the given kubeconfig files, else the in-cluster
    /// service account, else `$KUBECONFIG` (several files, `:`-separated), else `~/.kube/config`.
    ///
    /// - Parameter context: a named context instead of `current-context`.
    public static func load(
        kubeconfig: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> KubernetesConfiguration {
        if let kubeconfig {
            return try Kubeconfig.load(paths: kubeconfig.split(separator: ":").map(String.init)).resolve(
                context: context)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil,
            FileManager.default.fileExists(atPath: serviceAccountDirectory + "/token")
        {
            return try inCluster(environment: environment)
        }
        if let paths = environment["KUBECONFIG"], !paths.isEmpty {
            return try Kubeconfig.load(paths: paths.split(separator: ":").map(String.init)).resolve(context: context)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return try Kubeconfig.load(paths: [home + "/.kube/config"]).resolve(context: context)
    }
}

/// A kubeconfig or in-cluster configuration that cannot be used, and why.
public struct KubernetesConfigurationError: Error, Sendable, CustomStringConvertible {
    public let message: String
    init(_ message: String) { self.message = message }
    public var description: String { "kubernetes configuration: \(message)" }
}
