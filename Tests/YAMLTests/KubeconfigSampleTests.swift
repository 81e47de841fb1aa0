import Foundation
import Testing
import YAML

/// Kubeconfig files as kubectl writes them decode into a kubeconfig-shaped type.
struct KubeconfigSampleTests {
    /// A context entry, decoded; the rest is checked on the node tree (the kubeconfig type itself
    /// lives in the Kubernetes module, whose tests load whole files).
    struct Context: Decodable, Equatable {
        var cluster: String
        var user: String
        var namespace: String?
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

    @Test func clustersUsersAndContextsAreReadable() throws {
        let root = try YAMLParser.parse(Self.sample, file: "config")
        let clusters = try #require(root["clusters"]?.sequence)
        #expect(clusters.compactMap { $0["name"]?.scalar } == ["prod", "dev"])
        #expect(clusters[0]["cluster"]?["certificate-authority-data"]?.scalar?.hasPrefix("LS0t") == true)
        #expect(clusters[1]["cluster"]?["insecure-skip-tls-verify"]?.resolvedScalar == .bool(true))
        let users = try #require(root["users"]?.sequence)
        #expect(users[1]["user"]?["token"]?.resolvedScalar == .string("0123456789"))
        #expect(users[2]["user"]?["tokenFile"]?.scalar == "/var/run/secrets/token")
        let contexts = try #require(root["contexts"]?.sequence)
        #expect(
            try YAMLDecoder().decode(Context.self, from: try #require(contexts[0]["context"]))
                == Context(cluster: "prod", user: "admin", namespace: "iot"))
        #expect(root["current-context"]?.scalar == "dev-robot")
    }

    @Test func unquotedNumericTokenIsRejectedWithItsPosition() throws {
        struct User: Decodable { var token: String }
        let text = Self.sample.replacingOccurrences(of: "token: \"0123456789\"", with: "token: 1234")
        let root = try YAMLParser.parse(text, file: "config")
        let user = try #require(root["users"]?.sequence?[1]["user"])
        let error = #expect(throws: YAMLError.self) { try YAMLDecoder().decode(User.self, from: user, file: "config") }
        #expect(error?.path == "token")
        #expect(error?.line == 19)
        #expect(error?.description.hasPrefix("config:19:") == true)
    }
}
