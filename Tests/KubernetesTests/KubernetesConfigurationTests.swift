import Foundation
import HTTPTransport
import Kubernetes
import TestEnvironment
import Testing

struct KubernetesConfigurationTests {
    let directory: String = {
        let path = NSTemporaryDirectory() + "kubeconfig-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let twoContexts = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: prod
          cluster: {server: "https://prod.example:6443", certificate-authority-data: "Y2EtYnl0ZXM="}
        - name: dev
          cluster: {server: "https://dev.example:6443/", certificate-authority: certs/dev-ca.crt}
        users:
        - name: admin
          user: {token: "admin-token"}
        - name: robot
          user: {tokenFile: tokens/robot}
        contexts:
        - name: prod
          context: {cluster: prod, user: admin, namespace: iot}
        - name: dev
          context: {cluster: dev, user: robot}
        current-context: prod
        """

    @Test func currentContextResolvesServerCADataTokenAndNamespace() throws {
        let config = try KubernetesConfiguration.load(kubeconfig: write("config", Self.twoContexts))
        #expect(config.server == "https://prod.example:6443")
        #expect(config.namespace == "iot")
        guard case .pem(let data) = config.tls.trust else { Issue.record("expected CA data"); return }
        #expect(String(decoding: data, as: UTF8.self) == "ca-bytes")
        guard case .token(let token) = config.authentication else { Issue.record("expected a token"); return }
        #expect(token == "admin-token")
    }

    @Test func namedContextWithRelativeFilesAndTokenFile() throws {
        let path = try write("config", Self.twoContexts)
        let config = try KubernetesConfiguration.load(kubeconfig: path, context: "dev")
        #expect(config.server == "https://dev.example:6443")
        #expect(config.namespace == "default")
        guard case .file(let ca) = config.tls.trust else { Issue.record("expected a CA file"); return }
        #expect(ca == directory + "/certs/dev-ca.crt")
        guard case .tokenFile(let file) = config.authentication else { Issue.record("expected a token file"); return }
        #expect(file == directory + "/tokens/robot")
    }

    @Test func severalFilesMergeFirstDefinitionWins() throws {
        let first = try write("a", "current-context: dev\ncontexts: []\n")
        let second = try write("b", Self.twoContexts)
        let config = try KubernetesConfiguration.load(environment: [
            "KUBECONFIG": "\(first):\(second)", "HOME": directory,
        ])
        #expect(config.server == "https://dev.example:6443")
    }

    @Test func problemsAreClearErrors() throws {
        let path = try write("config", Self.twoContexts)
        #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(kubeconfig: path, context: "missing")
        }
        #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.load(kubeconfig: directory + "/absent")
        }
        let exec = try write(
            "exec",
            Self.twoContexts.replacingOccurrences(
                of: "user: {token: \"admin-token\"}", with: "user: {exec: {command: aws}}"))
        #expect(throws: KubernetesConfigurationError.self) { try KubernetesConfiguration.load(kubeconfig: exec) }
        let malformed = try write("bad", "clusters: [\n")
        #expect(throws: (any Error).self) { try KubernetesConfiguration.load(kubeconfig: malformed) }
    }

    @Test func inClusterNeedsItsCA() throws {
        let serviceAccount = directory + "/sa"
        try FileManager.default.createDirectory(atPath: serviceAccount, withIntermediateDirectories: true)
        try "token".write(toFile: serviceAccount + "/token", atomically: true, encoding: .utf8)
        let environment = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        #expect(throws: KubernetesConfigurationError.self) {
            try KubernetesConfiguration.inCluster(environment: environment, directory: serviceAccount)
        }
        try "ca".write(toFile: serviceAccount + "/ca.crt", atomically: true, encoding: .utf8)
        try "iot\n".write(toFile: serviceAccount + "/namespace", atomically: true, encoding: .utf8)
        let config = try KubernetesConfiguration.inCluster(environment: environment, directory: serviceAccount)
        #expect(config.server == "https://10.0.0.1:443")
        #expect(config.namespace == "iot")
    }

    @Test(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
    func clientCertificateFromKubeconfigDataAuthenticates() async throws {
        let environment = try TestEnvironment.kubernetes()
        let value = { (name: String) in ProcessInfo.processInfo.environment[name] ?? "" }
        let base64 = { (path: String) in try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString() }
        let kubeconfig = """
            clusters:
            - name: test
              cluster: {server: "\(environment.url)", certificate-authority-data: "\(try base64(environment.caFile))"}
            users:
            - name: cert
              user: {client-certificate-data: "\(try base64(value("KVO_TEST_KUBE_CLIENT_CERT")))", client-key-data: "\(try base64(value("KVO_TEST_KUBE_CLIENT_KEY")))"}
            contexts:
            - name: test
              context: {cluster: test, user: cert}
            current-context: test
            """
        let client = try KubernetesClient(
            configuration: KubernetesConfiguration.load(kubeconfig: write("cert", kubeconfig)))
        _ = try await client.list(ConfigMap.self, .configMaps, namespace: "default", limit: 1)
    }
}
