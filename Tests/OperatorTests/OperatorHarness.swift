import Foundation
import HTTPTransport
import KeyVault
import Kubernetes
import TestEnvironment
import UserIntegrationReconciler

/// A `keyvault-operator run` process of a test's own, watching one namespace of its own, against
/// the shared kube-apiserver, emulator and redis-server.
final class OperatorHarness: @unchecked Sendable {
    // `@unchecked`: used by one test, one call at a time.
    let namespace: String
    let kube: KubernetesClient
    let vault: KeyVaultClient
    private(set) var logPath = ""
    /// The library as apps use it, on the same vault and Redis as the operator.
    let library: CachedClient
    /// Where the process serves /healthz, /readyz and /metrics.
    private(set) var endpoint = ""
    /// The port of `endpoint`.
    private(set) var endpointPort = 0
    /// For the process's endpoints.
    private let http: HTTPClient
    private var process: ChildProcess?

    /// - Parameter namespace: another harness's namespace, to run a second replica there.
    /// - Parameter environment: variables that replace the test servers' (e.g. another `KEYVAULT_URL`).
    /// - Parameter kubeconfig: another API server for the process (the harness's own calls use the shared one).
    /// - Parameter annotations: the new namespace's annotations (e.g. its allowed users).
    /// - Parameter arguments: more flags for `run` (e.g. `--user-binding`, another `--namespace`).
    init(
        resyncPeriod: String = "10m", namespace: String? = nil, leaderElect: Bool = false,
        environment: [String: String] = [:], kubeconfig: String? = nil, annotations: [String: String] = [:],
        arguments: [String] = []
    ) async throws {
        self.namespace = namespace ?? "op-\(UUID().uuidString.prefix(8).lowercased())"
        let kubernetes = try TestEnvironment.kubernetes()
        let emulator = try TestEnvironment.emulator()
        let redis = try TestEnvironment.redis()
        kube = try KubernetesClient(configuration: KubernetesConfiguration.load(kubeconfig: kubernetes.kubeconfig))
        let vaultConfig = ClientConfig(
            vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile)))
        vault = try KeyVaultClient(config: vaultConfig)
        http = try HTTPClient()
        library = try CachedClient(
            config: CachedClientConfig(
                keyVault: vaultConfig,
                redis: .init(host: redis.host, port: redis.port, commandTimeout: TestEnvironment.redisCommandTimeout)))
        try await kube.installUserIntegrationCRD()
        if namespace == nil {
            let body = try JSONSerialization.data(withJSONObject: [
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": ["name": self.namespace, "annotations": annotations],
            ])
            try await Self.settingUp { [kube] in _ = try await kube.create(json: body, .namespaces) }
        }

        try FileManager.default.createDirectory(
            atPath: TestEnvironment.scratchDirectory, withIntermediateDirectories: true)
        let binDirectory = TestEnvironment.binDirectory
        // A free port can be taken by someone else's connection before the operator binds it: then
        // the process exits, and it is started again on another port.
        for attempt in 1...3 {
            let port = LocalPorts.free()
            endpoint = "http://127.0.0.1:\(port)"
            endpointPort = port
            logPath = TestEnvironment.scratchDirectory + "/operator-\(self.namespace)-\(port).log"
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let process = try ChildProcess(
                binDirectory + "/keyvault-operator",
                arguments: [
                    "run", "--kubeconfig", kubeconfig ?? kubernetes.kubeconfig, "--namespace", self.namespace,
                    "--resync-period", resyncPeriod,
                    "--log-level", "debug", "--health-addr", "127.0.0.1:\(port)", "--metrics-addr", "127.0.0.1:\(port)",
                ] + (leaderElect ? ["--leader-elect", "--leader-election-namespace", self.namespace] : []) + arguments,
                environment: [
                    "KEYVAULT_URL": emulator.url, "KEYVAULT_CA_FILE": emulator.caFile, "REDIS_HOST": redis.host,
                    "REDIS_PORT": "\(redis.port)", "REDIS_COMMAND_TIMEOUT": "30s",
                    "POD_NAME": "test-\(self.namespace)-\(port)",
                ].merging(environment) { $1 },
                output: .file(logPath))
            self.process = process
            if try await serving() { return }
            guard attempt < 3 else { break }
        }
        throw KubernetesError(
            code: 0, reason: "OperatorDidNotStart", message: "keyvault-operator exited; its log: \(log.suffix(2000))")
    }

    /// Waits until the process answers `/healthz`; `false` when it exits first (or, broken, stays
    /// silent for a minute).
    private func serving() async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while isRunning, ContinuousClock.now < deadline {
            if (try? await endpoint("/healthz"))?.status == 200 { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    deinit {
        process?.send(SIGTERM)
        http.close()
    }

    var isRunning: Bool { process?.isRunning ?? false }

    /// SIGKILL: no shutdown at all, as a crash or an OOM kill. Returns once the process has exited.
    func kill() async {
        process?.send(SIGKILL)
        await process?.waitForExit()
    }

    /// SIGTERM, then waits for the process to exit.
    func stop() async {
        process?.send(SIGTERM)
        await process?.waitForExit()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Creates a Secret in the harness's namespace (or `namespace`).
    func createSecret(
        _ name: String, key: String, value: String, labels: [String: String] = [:], in namespace: String? = nil
    ) async throws {
        let namespace = namespace ?? self.namespace
        let body = try JSONSerialization.data(withJSONObject: [
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": name, "namespace": namespace, "labels": labels] as [String: Any],
            "stringData": [key: value],
        ])
        try await Self.settingUp { [kube] in _ = try await kube.create(json: body, .secrets, namespace: namespace) }
    }

    /// Creates a UserIntegration in the harness's namespace (or `namespace`).
    func create(
        _ name: String, userID: String, type: String, secretRef: (String, String)? = nil, expiresAt: String? = nil,
        retain: Bool = false, annotations: [String: String]? = nil, labels: [String: String]? = nil,
        in namespace: String? = nil
    ) async throws {
        let spec = UserIntegration.Spec(
            userId: userID, type: type, secretRef: secretRef.map { .init(name: $0.0, key: $0.1) }, expiresAt: expiresAt,
            deletionPolicy: retain ? .retain : nil)
        var metadata = ObjectMeta(name: name, namespace: namespace ?? self.namespace)
        metadata.annotations = annotations
        metadata.labels = labels
        let resource = UserIntegration(metadata: metadata, spec: spec)
        try await Self.settingUp { [kube] in _ = try await kube.create(resource, UserIntegration.resource) }
    }

    /// A test's own API call, retried while the API server answers as a stalled one does (500
    /// "resource quota evaluation timed out", 429, 503, 504), for up to 120 s. A create that went
    /// through before its answer was lost is 409 on the retry: done.
    static func settingUp(_ call: () async throws -> Void) async throws {
        let deadline = ContinuousClock.now + .seconds(120)
        var attempt = 0
        while true {
            do {
                return try await call()
            } catch let error as KubernetesError where attempt > 0 && error.code == 409 {
                return
            } catch let error as KubernetesError
                where [429, 500, 503, 504].contains(error.code) && ContinuousClock.now < deadline
            {
                attempt += 1
                try await Task.sleep(for: .milliseconds(200 * min(attempt, 10)))
            }
        }
    }

    func get(_ name: String, in namespace: String? = nil) async throws -> UserIntegration {
        try await kube.get(
            UserIntegration.self, UserIntegration.resource, namespace: namespace ?? self.namespace, name: name)
    }

    /// Waits until the resource's status satisfies `condition`; returns it.
    func waitFor(
        _ name: String, in namespace: String? = nil, timeout: Duration = .seconds(120),
        _ condition: (UserIntegration) -> Bool
    ) async throws -> UserIntegration {
        let deadline = ContinuousClock.now + timeout
        while true {
            let object = try await get(name, in: namespace)
            if condition(object) { return object }
            guard ContinuousClock.now < deadline else {
                throw KubernetesError(
                    code: 0, reason: "Timeout",
                    message: "\(name) never reached the expected status: \(String(describing: object.status))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// How many resources whose names start with `prefix` are connected (one list call).
    func connectedCount(prefix: String) async throws -> Int {
        try await kube.listAll(UserIntegration.self, UserIntegration.resource, namespace: namespace).items
            .filter { ($0.metadata.name ?? "").hasPrefix(prefix) && $0.status?.state == .connected }.count
    }

    /// GET on the process's endpoints: the status code and the body.
    func endpoint(_ path: String) async throws -> (status: Int, body: String) {
        let response = try await http.execute(HTTPRequest(url: endpoint + path))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    /// Waits until `/readyz` answers 200.
    func waitUntilReady(timeout: Duration = .seconds(120)) async throws {
        let deadline = ContinuousClock.now + timeout
        while (try? await endpoint("/readyz"))?.status != 200 {
            guard ContinuousClock.now < deadline else {
                throw KubernetesError(code: 0, reason: "Timeout", message: "the operator never became ready")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The value of one sample in `/metrics` (a name with its labels, as printed), or `nil`.
    func metric(_ sample: String) async throws -> Double? {
        PrometheusText.value(try await endpoint("/metrics").body, sample)
    }

    /// Vault calls the operator made so far, by its `keyvault_requests_total` (all operations and codes).
    func vaultCalls() async throws -> Double {
        PrometheusText.sum(try await endpoint("/metrics").body, "keyvault_requests_total")
    }

    /// How many requests the emulator served for `method path`.
    func vaultRequests(_ method: String, _ path: String) async throws -> Int {
        let emulator = try TestEnvironment.emulator()
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(emulator.caFile))))
        let response = try await http.execute(
            HTTPRequest(url: "\(emulator.url)/_emulator/requests?method=\(method)&path=\(path)"))
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["count"] as? Int ?? -1
    }
}
