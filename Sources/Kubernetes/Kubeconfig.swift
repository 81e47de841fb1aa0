import Foundation
import HTTPTransport
import YAML

/// A kubeconfig file (or several merged), as kubectl writes them.
struct Kubeconfig: Decodable {
    struct NamedCluster: Decodable { var name: String; var cluster: Cluster }
    struct Cluster: Decodable {
        var server: String
        var certificateAuthority: String?
        var certificateAuthorityData: String?
        var insecureSkipTLSVerify: Bool?
        enum CodingKeys: String, CodingKey {
            case server
            case certificateAuthority = "certificate-authority"
            case certificateAuthorityData = "certificate-authority-data"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
        }
    }
    struct NamedUser: Decodable { var name: String; var user: User }
    struct User: Decodable {
        var token: String?
        var tokenFile: String?
        var clientCertificate: String?
        var clientCertificateData: String?
        var clientKey: String?
        var clientKeyData: String?
        var exec: Exec?
        var authProvider: Present?
        enum CodingKeys: String, CodingKey {
            case token, tokenFile, exec
            case clientCertificate = "client-certificate"
            case clientCertificateData = "client-certificate-data"
            case clientKey = "client-key"
            case clientKeyData = "client-key-data"
            case authProvider = "auth-provider"
        }
    }
    /// A user's `exec` credential plugin, as kubeconfigs spell it.
    struct Exec: Decodable {
        struct Variable: Decodable { var name: String; var value: String }
        var apiVersion: String?
        var command: String
        var args: [String]?
        var env: [Variable]?
        var interactiveMode: String?
        var provideClusterInfo: Bool?
        var installHint: String?
    }
    /// Any value: only whether the field is there matters.
    struct Present: Decodable {
        init(from decoder: any Decoder) throws {}
    }
    struct NamedContext: Decodable { var name: String; var context: Context }
    struct Context: Decodable { var cluster: String; var user: String?; var namespace: String? }

    var clusters: [NamedCluster]?
    var users: [NamedUser]?
    var contexts: [NamedContext]?
    var currentContext: String?
    /// The directory of the file each entry came from, for relative paths.
    var baseDirectory = ""

    enum CodingKeys: String, CodingKey {
        case clusters, users, contexts
        case currentContext = "current-context"
    }

    /// Loads and merges files as kubectl does: the first file to define a name or the current context wins.
    static func load(paths: [String]) throws -> Kubeconfig {
        var merged = Kubeconfig(clusters: [], users: [], contexts: [])
        var found = false
        for path in paths where !path.isEmpty {
            guard let data = FileManager.default.contents(atPath: path) else {
                if paths.count == 1 { throw KubernetesConfigurationError("cannot read kubeconfig \(path)") }
                continue
            }
            found = true
            var file = try YAMLDecoder().decode(
                Kubeconfig.self, from: String(decoding: data, as: UTF8.self), file: path)
            file.absolutize(relativeTo: (path as NSString).deletingLastPathComponent)
            merged.merge(file)
        }
        guard found else {
            throw KubernetesConfigurationError("none of the kubeconfig files exists: \(paths.joined(separator: ":"))")
        }
        return merged
    }

    private mutating func merge(_ other: Kubeconfig) {
        for cluster in other.clusters ?? [] where !(clusters ?? []).contains(where: { $0.name == cluster.name }) {
            clusters?.append(cluster)
        }
        for user in other.users ?? [] where !(users ?? []).contains(where: { $0.name == user.name }) {
            users?.append(user)
        }
        for context in other.contexts ?? [] where !(contexts ?? []).contains(where: { $0.name == context.name }) {
            contexts?.append(context)
        }
        if currentContext?.isEmpty ?? true { currentContext = other.currentContext }
    }

    /// Makes file references absolute, relative to the kubeconfig's own directory.
    private mutating func absolutize(relativeTo directory: String) {
        func absolute(_ path: String?) -> String? {
            guard let path, !path.isEmpty, !path.hasPrefix("/") else { return path }
            return directory.isEmpty ? path : directory + "/" + path
        }
        for index in (clusters ?? []).indices {
            clusters![index].cluster.certificateAuthority = absolute(clusters![index].cluster.certificateAuthority)
        }
        for index in (users ?? []).indices {
            users![index].user.tokenFile = absolute(users![index].user.tokenFile)
            users![index].user.clientCertificate = absolute(users![index].user.clientCertificate)
            users![index].user.clientKey = absolute(users![index].user.clientKey)
            // A command path with a slash is relative to the kubeconfig's directory, as in client-go.
            if let command = users![index].user.exec?.command, command.contains("/") {
                users![index].user.exec?.command = absolute(command) ?? command
            }
        }
    }

    func resolve(context name: String?) throws -> KubernetesConfiguration {
        guard let contextName = name ?? currentContext, !contextName.isEmpty else {
            throw KubernetesConfigurationError("no context: the kubeconfig has no current-context and none was named")
        }
        guard let context = contexts?.first(where: { $0.name == contextName })?.context else {
            throw KubernetesConfigurationError("context \(contextName) is not in the kubeconfig")
        }
        guard let cluster = clusters?.first(where: { $0.name == context.cluster })?.cluster else {
            throw KubernetesConfigurationError(
                "cluster \(context.cluster) of context \(contextName) is not in the kubeconfig")
        }
        let user = try context.user.map { userName in
            guard let user = users?.first(where: { $0.name == userName })?.user else {
                throw KubernetesConfigurationError(
                    "user \(userName) of context \(contextName) is not in the kubeconfig")
            }
            return user
        }
        if user?.authProvider != nil {
            throw KubernetesConfigurationError(
                "user \(context.user ?? "") uses an auth-provider plugin, which Kubernetes removed; "
                    + "convert the kubeconfig to an exec plugin (kubelogin convert-kubeconfig)")
        }
        var tls = HTTPClient.TLSConfiguration(skipVerify: cluster.insecureSkipTLSVerify ?? false)
        if let data = cluster.certificateAuthorityData {
            tls.trust = .pem(try Self.base64(data, field: "certificate-authority-data"))
        } else if let file = cluster.certificateAuthority {
            tls.trust = .file(file)
        }
        if let data = user?.clientCertificateData {
            tls.clientCertificate = .pem(try Self.base64(data, field: "client-certificate-data"))
        } else if let file = user?.clientCertificate {
            tls.clientCertificate = .file(file)
        }
        if let data = user?.clientKeyData {
            tls.clientKey = .pem(try Self.base64(data, field: "client-key-data"))
        } else if let file = user?.clientKey {
            tls.clientKey = .file(file)
        }
        let authentication: KubernetesConfiguration.Authentication
        if let exec = user?.exec {
            let plugin = ExecCredentialPlugin(
                apiVersion: exec.apiVersion ?? "", command: exec.command, arguments: exec.args ?? [],
                environment: Dictionary((exec.env ?? []).map { ($0.name, $0.value) }) { $1 },
                interactiveMode: exec.interactiveMode,
                cluster: exec.provideClusterInfo == true ? Self.clusterInfo(cluster) : nil,
                installHint: exec.installHint)
            // Run once now: a plugin that fails stops start-up, and a client certificate it
            // returns goes into the TLS configuration (read once: rotating it needs a restart).
            let credential = try plugin.runBlocking()
            if let certificate = credential.clientCertificateData, let key = credential.clientKeyData {
                tls.clientCertificate = .pem(Data(certificate.utf8))
                tls.clientKey = .pem(Data(key.utf8))
            }
            authentication = .exec(plugin, initial: credential)
        } else if let token = user?.token, !token.isEmpty {
            authentication = .token(token)
        } else if let file = user?.tokenFile, !file.isEmpty {
            authentication = .tokenFile(file)
        } else {
            authentication = .none
        }
        return KubernetesConfiguration(
            server: cluster.server, tls: tls, authentication: authentication, namespace: context.namespace ?? "default")
    }

    /// The cluster as `KUBERNETES_EXEC_INFO` describes it to a plugin.
    private static func clusterInfo(_ cluster: Cluster) -> [String: String] {
        var info = ["server": cluster.server]
        if let data = cluster.certificateAuthorityData { info["certificate-authority-data"] = data }
        if cluster.insecureSkipTLSVerify == true { info["insecure-skip-tls-verify"] = "true" }
        return info
    }

    private static func base64(_ text: String, field: String) throws -> Data {
        guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else {
            throw KubernetesConfigurationError("\(field) is not valid base64")
        }
        return data
    }
}

extension Kubeconfig {
    init(clusters: [NamedCluster], users: [NamedUser], contexts: [NamedContext]) {
        self.clusters = clusters
        self.users = users
        self.contexts = contexts
    }
}
