import Foundation

/// A kubeconfig whose user is an exec credential plugin (scripts/test-exec-credential, shaped like
/// kubelogin in AKS kubeconfigs) for the rig's kube-apiserver, and the plugin's state: the tokens
/// it hands out in turn, an expiry, a failure, and how many times it ran.
public struct ExecCredentialKubeconfig: Sendable {
    public let state = TestEnvironment.scratchDirectory + "/exec-\(UUID().uuidString.prefix(8))"
    /// How many times the plugin ran.
    public var runs: Int {
        ((try? String(contentsOfFile: state + "/runs", encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// The Nth run hands out the Nth of `tokens` (the last from then on), expiring after
    /// `expiresIn` seconds when given; with `failure` every run fails with that message.
    public init(tokens: [String], expiresIn: Int? = nil, failure: String? = nil) throws {
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try (tokens.joined(separator: "\n") + "\n").write(
            toFile: state + "/tokens", atomically: true, encoding: .utf8)
        if let expiresIn {
            try "\(expiresIn)".write(toFile: state + "/expires-in", atomically: true, encoding: .utf8)
        }
        if let failure { try failure.write(toFile: state + "/fail", atomically: true, encoding: .utf8) }
    }

    /// A kubeconfig whose user runs the plugin with `apiVersion` and `interactiveMode`.
    public func kubeconfig(
        apiVersion: String = "client.authentication.k8s.io/v1", interactiveMode: String = "Never"
    )
        throws -> String
    {
        let kubernetes = try TestEnvironment.kubernetes()
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/test-exec-credential").path
        let text = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: test
              cluster: {server: "\(kubernetes.url)", certificate-authority: "\(kubernetes.caFile)"}
            users:
            - name: aks-user
              user:
                exec:
                  apiVersion: \(apiVersion)
                  command: \(script)
                  args: [get-token, --login, azurecli]
                  env: [{name: KVO_EXEC_STATE, value: "\(state)"}]
                  interactiveMode: \(interactiveMode)
                  provideClusterInfo: true
            contexts:
            - name: test
              context: {cluster: test, user: aks-user}
            current-context: test
            """
        let path = state + "/kubeconfig"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
