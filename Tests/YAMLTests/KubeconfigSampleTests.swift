import Foundation
import Testing
import YAML

/// Kubeconfig files as kubectl writes them decode into a kubeconfig-shaped type.
struct KubeconfigSampleTests {
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
            var clientCertificateData: String?
            enum CodingKeys: String, CodingKey {
                case token
                case tokenFile = "tokenFile"
                case clientCertificateData = "client-certificate-data"
            }
        }
        struct NamedContext: Decodable { var name: String; var context: Context }
        struct Context: Decodable { var cluster: String; var user: String; var namespace: String? }
        var clusters: [NamedCluster]
        var users: [NamedUser]
        var contexts: [NamedContext]
        var currentContext: String?
        enum CodingKeys: String, CodingKey {
            case clusters, users, contexts
            case currentContext = "current-context"
        }
    }

    static let sample = """
        apiVersion: v1
        kind: Config
        preferences: {}
        clusters:
        - cluster:
            certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
            server: https://10.0.0.1:6443
          name: prod
        - cluster:
            insecure-skip-tls-verify: true
            server: https://127.0.0.1:8443
          name: dev
        users:
        - name: admin
          user:
            client-certificate-data: QUJD
        - name: robot
          user:
            token: "0123456789"
        - name: projected
          user:
            tokenFile: /var/run/secrets/token
        contexts:
        - context: {cluster: prod, user: admin, namespace: iot}
          name: prod-admin
        - context:
            cluster: dev
            user: robot
          name: dev-robot
        current-context: dev-robot
        """

    @Test func decodesClustersUsersAndContexts() throws {
        let config = try YAMLDecoder().decode(Kubeconfig.self, from: Self.sample, file: "config")
        #expect(config.clusters.map(\.name) == ["prod", "dev"])
        #expect(config.clusters[0].cluster.certificateAuthorityData?.hasPrefix("LS0t") == true)
        #expect(config.clusters[1].cluster.insecureSkipTLSVerify == true)
        #expect(config.users[1].user.token == "0123456789")
        #expect(config.users[2].user.tokenFile == "/var/run/secrets/token")
        #expect(config.contexts[0].context.namespace == "iot")
        #expect(config.currentContext == "dev-robot")
    }

    @Test func unquotedNumericTokenIsRejectedWithItsPosition() throws {
        let text = Self.sample.replacingOccurrences(of: "token: \"0123456789\"", with: "token: 1234")
        let error = #expect(throws: YAMLError.self) { try YAMLDecoder().decode(Kubeconfig.self, from: text, file: "config") }
        #expect(error?.path == "users[1].user.token")
        #expect(error?.line == 19)
    }
}
