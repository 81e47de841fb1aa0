import Foundation
import KeyVault
import Kubernetes
import Redis
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// Bad input of every kind against the real servers: each gets a clear error or condition, nothing
/// crashes, and a healthy resource next to them keeps working.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct BadInputTests {
    /// Resources the API server must refuse, with the field its message names.
    static let invalidSpecs: [(spec: String, field: String)] = [
        (#"{"userId":"u1","type":"fax"}"#, "spec.type"),
        (#"{"userId":"User_1","type":"weather"}"#, "spec.userId"),
        (#"{"userId":"\#(String(repeating: "a", count: 64))","type":"weather"}"#, "spec.userId"),
        (#"{"type":"weather"}"#, "spec.userId"),
        (#"{"userId":"u1"}"#, "spec.type"),
        (#"{"userId":"u1","type":"weather","secretRef":{"name":"s"}}"#, "spec.secretRef.key"),
        (#"{"userId":"u1","type":"weather","secretRef":{"name":"Bad_Name","key":"k"}}"#, "spec.secretRef.name"),
        (#"{"userId":"u1","type":"weather","expiresAt":"tomorrow"}"#, "spec.expiresAt"),
        (#"{"userId":"u1","type":"weather","deletionPolicy":"Keep"}"#, "spec.deletionPolicy"),
        (#"{"userId":7,"type":"weather"}"#, "spec.userId"),
    ]

    @Test func invalidResourcesAreRefusedWithTheFieldNamed() async throws {
        let harness = try await OperatorHarness()
        for (index, (spec, field)) in Self.invalidSpecs.enumerated() {
            let body =
                #"{"apiVersion":"integrations.keyvault.dev/v1alpha1","kind":"UserIntegration","metadata":{"name":"bad-\#(index)"},"spec":\#(spec)}"#
            let error = await #expect(throws: KubernetesError.self) {
                _ = try await harness.kube.create(
                    json: Data(body.utf8), UserIntegration.resource, namespace: harness.namespace)
            }
            #expect(error?.code == 422, "\(spec)")
            #expect(error?.message.contains(field) == true, "\(spec): \(error?.message ?? "")")
        }
        // Without a spec at all.
        let error = await #expect(throws: KubernetesError.self) {
            _ = try await harness.kube.create(
                json: Data(
                    #"{"apiVersion":"integrations.keyvault.dev/v1alpha1","kind":"UserIntegration","metadata":{"name":"bad-nospec"}}"#
                        .utf8),
                UserIntegration.resource, namespace: harness.namespace)
        }
        #expect(error?.message.contains("spec") == true)
    }

    @Test func badSecretsAndSpecsGiveConditionsAndDisturbNothingElse() async throws {
        let harness = try await OperatorHarness()
        let user = OperatorEndToEndTests.user()
        try await harness.createSecret("healthy", key: "k", value: "healthy-value-001")
        try await harness.create("healthy", userID: "\(user)-h", type: "weather", secretRef: ("healthy", "k"))
        try await harness.createSecret("creds", key: "other", value: "x")
        let big = String(repeating: "v", count: 25 * 1024 + 1)
        try await harness.createSecret("big", key: "k", value: big)
        let binary = try JSONSerialization.data(withJSONObject: [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "binary", "namespace": harness.namespace],
            "data": ["k": Data([0xff, 0xfe, 0x00, 0xc3]).base64EncodedString()],
        ])
        _ = try await harness.kube.create(json: binary, .secrets, namespace: harness.namespace)
        try await harness.createSecret("past", key: "k", value: "expired-value-002")

        try await harness.create("no-secret", userID: "\(user)-1", type: "alexa", secretRef: ("missing", "k"))
        try await harness.create("no-key", userID: "\(user)-2", type: "alexa", secretRef: ("creds", "k"))
        try await harness.create("too-big", userID: "\(user)-3", type: "alexa", secretRef: ("big", "k"))
        try await harness.create("not-utf8", userID: "\(user)-4", type: "alexa", secretRef: ("binary", "k"))
        try await harness.create(
            "in-the-past", userID: "\(user)-5", type: "alexa", secretRef: ("past", "k"),
            expiresAt: "2020-01-01T00:00:00Z")
        try await harness.create("taken", userID: "\(user)-h", type: "weather", secretRef: ("healthy", "k"))

        let expected: [(String, String, String)] = [
            ("no-secret", "not_configured", "SecretRefNotFound"), ("no-key", "not_configured", "SecretRefNotFound"),
            ("too-big", "error", "InvalidSecretValue"), ("not-utf8", "error", "InvalidSecretValue"),
            ("in-the-past", "expired", "Expired"), ("taken", "error", "Conflict"),
        ]
        for (name, state, reason) in expected {
            let resource = try await harness.waitFor(name) { $0.status?.state != nil }
            let ready = resource.status?.conditions?.first { $0.type == "Ready" }
            #expect(resource.status?.state?.rawValue == state, "\(name)")
            #expect(ready?.reason == reason, "\(name)")
            #expect(ready?.message.contains(big) == false)
        }
        #expect(
            try await harness.get("no-secret").status?.conditions?.first { $0.type == "Ready" }?.message
                == "Secret missing does not exist")
        #expect(
            try await harness.get("no-key").status?.conditions?.first { $0.type == "Ready" }?.message
                == "Secret creds has no key k")
        for name in ["too-big", "not-utf8", "no-secret"] {
            await #expect(throws: KeyVaultError.self, "\(name) wrote nothing") {
                try await harness.vault.getSecret(
                    "user-\(user)-\(["too-big": 3, "not-utf8": 4, "no-secret": 1][name]!)-alexa")
            }
        }
        // The healthy resource still follows its Secret.
        _ = try await harness.kube.patch(
            KubernetesSecret.self, .secrets, namespace: harness.namespace, name: "healthy",
            patch: Data(#"{"stringData":{"k":"healthy-value-rotated-002"}}"#.utf8))
        _ = try await harness.waitFor("healthy") { $0.status?.maskedKey == "***002" && $0.status?.state == .connected }
        #expect(harness.isRunning)
    }

    @Test func aMalformedKubeconfigIsAClearErrorAtStart() async throws {
        let path = TestEnvironment.scratchDirectory + "/bad-kubeconfig-\(UUID().uuidString).yaml"
        try FileManager.default.createDirectory(
            atPath: TestEnvironment.scratchDirectory, withIntermediateDirectories: true)
        try "apiVersion: v1\nclusters: [unclosed\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await CommandRun(["run", "--kubeconfig", path])
        #expect(run.status == 2)
        #expect(run.error.contains("cannot start"))
        #expect(run.error.contains(path))
    }

    @Test func aWrongCAIsATLSErrorNotATrustedConnection() async throws {
        let kubernetes = try TestEnvironment.kubernetes()
        // A timeout far above a handshake's time on a loaded machine: the failure must be the
        // certificate's, not a timeout's.
        let run = try await CommandRun(
            ["health"], environment: ["KEYVAULT_CA_FILE": kubernetes.wrongCAFile, "KEYVAULT_TIMEOUT": "60s"])
        #expect(run.status != 0)
        #expect(
            run.output.contains("keyvault") && run.output.contains("INFRA-KEYVAULT-013"), "\(run.output)\(run.error)")
    }

    @Test(arguments: [
        ("200", "application/json", #"{"value": "#, "INFRA-KEYVAULT-050"),
        ("502", "text/html", "<html><body><h1>502 Bad Gateway</h1></body></html>", "INFRA-KEYVAULT-022"),
        ("200", "text/html", "<html>maintenance</html>", "INFRA-KEYVAULT-050"),
    ])
    func aBrokenVaultResponseIsAClearError(status: String, contentType: String, body: String, code: String) async throws
    {
        let server = try BrokenHTTPServer(status: status, contentType: contentType, body: body)
        defer { server.stop() }
        try await server.waitUntilListening()
        let client = try KeyVaultClient(
            config: ClientConfig(
                // A timeout far above the local server's answer on a loaded machine: the error must be the answer's.
                vaultURL: "http://127.0.0.1:\(server.port)", timeout: .seconds(60), credential: .staticToken("t"),
                retry: RetryPolicy(
                    initialBackoff: .milliseconds(50), maximumBackoff: .milliseconds(100), maximumAttempts: 2)))
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("anything") }
        #expect(error?.code.id == code, "\(String(describing: error))")
    }

    @Test func aRedisKeyOfAnotherTypeReadsAsAMiss() async throws {
        let redis = try TestEnvironment.redis()
        let emulator = try TestEnvironment.emulator()
        let vaultConfig = ClientConfig(
            vaultURL: emulator.url, caBundle: try Data(contentsOf: URL(fileURLWithPath: emulator.caFile)))
        let client = try CachedClient(
            config: CachedClientConfig(
                keyVault: vaultConfig,
                redis: .init(host: redis.host, port: redis.port, commandTimeout: TestEnvironment.redisCommandTimeout)))
        let name = "wrongtype-\(UUID().uuidString.prefix(8).lowercased())"
        try await client.vault.setSecret(name, value: "from-the-vault")
        let raw = RedisClient(patient: .init(host: redis.host, port: redis.port))
        _ = try await raw.pipeline([RedisCommand("LPUSH", "keyvault:secret:\(name)", "not-a-string")])
        #expect(try await client.getSecret(name).value == "from-the-vault")
        #expect(client.cacheStats().errors >= 1)
    }
}
