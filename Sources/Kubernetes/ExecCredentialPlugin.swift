public import Foundation

/// A kubeconfig `exec` credential plugin (`client.authentication.k8s.io/v1` or `v1beta1`), such as
/// `kubelogin` in AKS kubeconfigs, run as client-go runs it: the command with its arguments and
/// environment, `KUBERNETES_EXEC_INFO` describing the request, never interactively (the operator
/// has no terminal), and its `ExecCredential` read from standard output.
public struct ExecCredentialPlugin: Sendable {
    public var apiVersion: String
    public var command: String
    public var arguments: [String]
    public var environment: [String: String]
    /// `Never`, `IfAvailable` or `Always`; a plugin that needs a terminal (`Always`) is refused.
    public var interactiveMode: String?
    /// The cluster the credential is for, passed to plugins that ask for it (`provideClusterInfo`).
    public var cluster: [String: String]?
    /// What the kubeconfig suggests when the command cannot be found.
    public var installHint: String?
    /// The limit on one run: a plugin that hangs must not hang every request.
    public var timeout: Duration = .seconds(60)

    static let apiVersions = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]

    /// What a plugin answered.
    public struct Credential: Sendable, Equatable {
        public var token: String?
        /// PEM, for a plugin that authenticates with a client certificate.
        public var clientCertificateData: String?
        public var clientKeyData: String?
        /// When to run the plugin again; `nil`: the credential is kept until the server refuses it.
        public var expiration: Date?
    }

    /// Runs the plugin once, off the cooperative thread pool.
    public func run() async throws -> Credential {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runBlocking() })
            }
        }
    }

    /// Runs the plugin and waits for it (start-up, where its client certificate is needed).
    public func runBlocking() throws -> Credential {
        guard Self.apiVersions.contains(apiVersion) else {
            throw failure("apiVersion \(apiVersion) is not one of \(Self.apiVersions.joined(separator: ", "))")
        }
        if interactiveMode == "Always" {
            throw failure(
                "it needs an interactive terminal (interactiveMode: Always), which the operator does not have")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }.merging([
            "KUBERNETES_EXEC_INFO": execInfo()
        ]) { $1 }
        let output = Pipe()
        // Standard error goes to a file: read after the exit, it cannot fill a pipe meanwhile.
        let errorsPath = NSTemporaryDirectory() + "/kvo-exec-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: errorsPath, contents: nil),
            let errors = FileHandle(forWritingAtPath: errorsPath)
        else { throw failure("cannot create a file for \(command)'s standard error") }
        defer {
            try? errors.close()
            try? FileManager.default.removeItem(atPath: errorsPath)
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw failure("cannot start \(command): \(error)")
        }
        let deadline = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(
            deadline: .now() + .seconds(Int(timeout.components.seconds)), execute: deadline)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        deadline.cancel()
        let stderr = String(
            decoding: (FileManager.default.contents(atPath: errorsPath) ?? Data()).prefix(2000), as: UTF8.self
        )
        .trimmingCharacters(in: .whitespacesAndNewlines)
        if process.terminationReason == .uncaughtSignal {
            throw failure("\(command) did not finish within \(timeout) (or was killed)")
        }
        guard process.terminationStatus == 0 else {
            throw failure("\(command) exited with status \(process.terminationStatus): \(stderr)")
        }
        return try credential(from: stdout)
    }

    /// The command as client-go finds it: a path with a slash is relative to the kubeconfig's
    /// directory (already made absolute), a bare name is looked up on `PATH`.
    private func executable() throws -> String {
        if command.contains("/") { return command }
        let path = (environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw failure("\(command) is not on PATH" + (installHint.map { ". \($0)" } ?? ""))
    }

    private func execInfo() -> String {
        var spec: [String: Any] = ["interactive": false]
        if let cluster { spec["cluster"] = cluster }
        let info: [String: Any] = ["apiVersion": apiVersion, "kind": "ExecCredential", "spec": spec]
        return (try? JSONSerialization.data(withJSONObject: info)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private func credential(from output: Data) throws -> Credential {
        guard let json = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            json["kind"] as? String == "ExecCredential", let status = json["status"] as? [String: Any]
        else { throw failure("\(command) printed no ExecCredential") }
        guard json["apiVersion"] as? String == apiVersion else {
            throw failure("\(command) answered \(json["apiVersion"] ?? "no apiVersion"), not \(apiVersion)")
        }
        var credential = Credential(
            token: status["token"] as? String, clientCertificateData: status["clientCertificateData"] as? String,
            clientKeyData: status["clientKeyData"] as? String)
        guard credential.token?.isEmpty == false || credential.clientCertificateData != nil else {
            throw failure("\(command)'s ExecCredential has neither a token nor a client certificate")
        }
        guard (credential.clientCertificateData == nil) == (credential.clientKeyData == nil) else {
            throw failure("\(command)'s ExecCredential has a client certificate without its key, or the reverse")
        }
        if let text = status["expirationTimestamp"] as? String {
            guard let date = KubernetesTime.parse(text) else {
                throw failure("\(command)'s expirationTimestamp \(text) is not an RFC 3339 time")
            }
            credential.expiration = date
        }
        return credential
    }

    private func failure(_ message: String) -> KubernetesConfigurationError {
        KubernetesConfigurationError("exec credential plugin: \(message)")
    }
}
