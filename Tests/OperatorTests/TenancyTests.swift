import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// One operator serving two tenant namespaces, as a shared platform cluster runs it
/// (`--user-binding namespace-annotation --require-secret-label`): every takeover a tenant can
/// attempt is refused with its reason, the victim's vault secret keeps its value and version, and
/// nothing the attacker can read names the victim's namespace or shows the victim's masked key.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct TenancyTests {
    static let allowPush = [UserIntegration.allowPushLabel: "true"]

    /// Tenant A's harness (its operator also watches tenant B's namespace), and B's namespace.
    struct Tenants {
        let a: OperatorHarness
        let b: String
        /// Unique per test: the user IDs of this run.
        let prefix: String

        init() async throws {
            prefix = "t\(UUID().uuidString.prefix(6).lowercased())-"
            b = "tenant-b-\(UUID().uuidString.prefix(8).lowercased())"
            let kube = try KubernetesClient(
                configuration: KubernetesConfiguration.load(kubeconfig: try TestEnvironment.kubernetes().kubeconfig))
            _ = try await kube.create(
                json: try JSONSerialization.data(withJSONObject: [
                    "apiVersion": "v1", "kind": "Namespace",
                    "metadata": [
                        "name": b, "annotations": [UserIntegration.allowedUsersAnnotation: "\(prefix)bob"],
                    ] as [String: Any],
                ]),
                .namespaces)
            a = try await OperatorHarness(
                annotations: [UserIntegration.allowedUsersAnnotation: "\(prefix)alice, \(prefix)team-a-*"],
                arguments: ["--namespace", b, "--user-binding", "namespace-annotation", "--require-secret-label"])
        }

        func user(_ name: String) -> String { prefix + name }
        func secretName(_ user: String, _ type: String = "weather") -> String { "user-\(prefix)\(user)-\(type)" }

        /// Alice's weather credential, pushed and connected by tenant A.
        func connectAlice() async throws -> Secret {
            try await a.createSecret("alice", key: "k", value: "alice-weather-key-a11", labels: TenancyTests.allowPush)
            try await a.create("alice-primary", userID: user("alice"), type: "weather", secretRef: ("alice", "k"))
            _ = try await a.waitFor("alice-primary") { $0.status?.state == .connected }
            return try await a.vault.getSecret(secretName("alice"))
        }

        /// Tenant B declares Alice with a value of its own; returns the resource once refused.
        func attackAlice() async throws -> UserIntegration {
            try await a.createSecret(
                "stolen", key: "k", value: "attacker-value-666", labels: TenancyTests.allowPush, in: b)
            try await a.create("takeover", userID: user("alice"), type: "weather", secretRef: ("stolen", "k"), in: b)
            return try await a.waitFor("takeover", in: b) { TenancyTests.reason($0) == "UserNotAllowed" }
        }

        /// What tenant B can read about its own objects: statuses and events, as text.
        func visibleToB() async throws -> String {
            let resources = try await a.kube.listAll(UserIntegration.self, UserIntegration.resource, namespace: b)
            let events = try await a.kube.listAll(Event.self, .events, namespace: b)
            return "\(resources.items.map(\.status)) \(events.items.map { "\($0.reason ?? "") \($0.note ?? "")" })"
        }
    }

    static func reason(_ resource: UserIntegration) -> String? { resource.status?.conditions?["Ready"]?.reason }

    @Test func aUserTheNamespaceMayNotNameIsRefusedAndTheVictimKeepsItsSecret() async throws {
        let tenants = try await Tenants()
        let before = try await tenants.connectAlice()
        let refused = try await tenants.attackAlice()
        #expect(refused.status?.state == .error)
        #expect(refused.status?.maskedKey == nil && refused.status?.vaultSecretVersion == nil)
        let after = try await tenants.a.vault.getSecret(tenants.secretName("alice"))
        #expect(after.value == "alice-weather-key-a11" && after.properties.version == before.properties.version)
        #expect(try await tenants.visibleToB().contains(tenants.a.namespace) == false)

        // Deleting the refused resource leaves the victim's secret and cache entry alone.
        try await tenants.a.kube.delete(UserIntegration.resource, namespace: tenants.b, name: "takeover")
        #expect(
            try await eventually(timeout: .seconds(60)) {
                (try? await tenants.a.get("takeover", in: tenants.b)) == nil
            })
        #expect(try await tenants.a.vault.getSecret(tenants.secretName("alice")).value == "alice-weather-key-a11")
        #expect(
            try await tenants.a.library.getUserIntegration(userID: tenants.user("alice"), type: .weather).status
                == .connected)
    }

    @Test func anAnnotationChangeIsPickedUpAndAnotherOwnersSecretIsAConflictThatNamesNoOne() async throws {
        let tenants = try await Tenants()
        let before = try await tenants.connectAlice()
        _ = try await tenants.attackAlice()

        // A careless platform admin lets B name every user: the owner tag still stops the takeover.
        _ = try await tenants.a.kube.patch(
            PartialObjectMetadata.self, .namespaces, namespace: nil, name: tenants.b,
            patch: try JSONSerialization.data(withJSONObject: [
                "metadata": ["annotations": [UserIntegration.allowedUsersAnnotation: "*"]]
            ]))
        let conflict = try await tenants.a.waitFor("takeover", in: tenants.b) { Self.reason($0) == "Conflict" }
        #expect(conflict.status?.maskedKey == nil && conflict.status?.vaultSecretVersion == nil)
        #expect(conflict.status?.expiresAt == nil)
        let after = try await tenants.a.vault.getSecret(tenants.secretName("alice"))
        #expect(after.value == "alice-weather-key-a11" && after.properties.version == before.properties.version)
        let visible = try await tenants.visibleToB()
        #expect(!visible.contains(tenants.a.namespace) && !visible.contains("alice-primary"), "\(visible)")
        #expect(!tenants.a.log.contains("attacker-value") && !tenants.a.log.contains("alice-weather-key"))
    }

    @Test func aSecretNoResourceOwnsIsAdoptedOnlyWhenAsked() async throws {
        let tenants = try await Tenants()
        let name = tenants.secretName("team-a-carol")
        // Written by an app (or by hand): no owner tag.
        let appWritten = try await tenants.a.vault.setSecret(name, value: "app-written-value-c01")
        try await tenants.a.createSecret("carol", key: "k", value: "declared-value-c02", labels: Self.allowPush)
        try await tenants.a.create(
            "carol-weather", userID: tenants.user("team-a-carol"), type: "weather", secretRef: ("carol", "k"))
        let conflict = try await tenants.a.waitFor("carol-weather") { Self.reason($0) == "Conflict" }
        #expect(conflict.status?.conditions?["Ready"]?.message.contains("adopt") == true)
        #expect(try await tenants.a.vault.getSecret(name).properties.version == appWritten.version)

        _ = try await tenants.a.kube.patch(
            UserIntegration.self, UserIntegration.resource, namespace: tenants.a.namespace, name: "carol-weather",
            patch: try JSONSerialization.data(withJSONObject: [
                "metadata": ["annotations": [UserIntegration.adoptAnnotation: "true"]]
            ]))
        _ = try await tenants.a.waitFor("carol-weather") { $0.status?.state == .connected }
        let adopted = try await tenants.a.vault.getSecret(name)
        #expect(adopted.value == "declared-value-c02")
        #expect(adopted.properties.tags["owner"] == "\(tenants.a.namespace)/carol-weather")
    }

    @Test func aDisabledSecretIsNeverReEnabledAndAnotherOwnersDeletedOneNeverRecovered() async throws {
        let tenants = try await Tenants()
        let alice = try await tenants.connectAlice()
        // An administrator disables the leaked credential; the owner's next reconcile leaves it so.
        try await tenants.a.vault.updateSecretProperties(
            tenants.secretName("alice"), attributes: SecretAttributes(enabled: false))
        _ = try await tenants.a.kube.patch(
            KubernetesSecret.self, .secrets, namespace: tenants.a.namespace, name: "alice",
            patch: try JSONSerialization.data(withJSONObject: ["stringData": ["k": "alice-rotated-key-a12"]]))
        let disabled = try await tenants.a.waitFor("alice-primary") { Self.reason($0) == "VaultSecretDisabled" }
        #expect(disabled.status?.maskedKey == nil)
        let versions = try await tenants.a.vault.listSecretVersions(tenants.secretName("alice"))
        #expect(versions.count == 1 && versions.first?.version == alice.properties.version)
        #expect(versions.first?.enabled == false)

        // Soft-deleted by another owner: not recovered for this resource.
        let bobs = tenants.secretName("team-a-dave")
        try await tenants.a.vault.setSecret(bobs, value: "other-owner-d01", attributes: .init(tags: ["owner": "x/y"]))
        try await tenants.a.vault.deleteSecret(bobs)
        try await tenants.a.createSecret("dave", key: "k", value: "declared-d02", labels: Self.allowPush)
        try await tenants.a.create(
            "dave-weather", userID: tenants.user("team-a-dave"), type: "weather", secretRef: ("dave", "k"))
        let conflict = try await tenants.a.waitFor("dave-weather") { Self.reason($0) == "Conflict" }
        #expect(conflict.status?.conditions?["Ready"]?.message.contains("x/y") == false)
        #expect(try await tenants.a.vault.getDeletedSecret(bobs).tags["owner"] == "x/y")
    }

    @Test func anUnlabelledSecretIsNotPushedUntilItOptsIn() async throws {
        let tenants = try await Tenants()
        try await tenants.a.createSecret("plain", key: "k", value: "not-for-the-vault-e01")
        try await tenants.a.create(
            "plain-weather", userID: tenants.user("team-a-erin"), type: "weather", secretRef: ("plain", "k"))
        let refused = try await tenants.a.waitFor("plain-weather") { Self.reason($0) == "SecretNotAllowed" }
        #expect(refused.status?.conditions?["Ready"]?.message.contains("allow-push") == true)
        let error = await #expect(throws: KeyVaultError.self) {
            try await tenants.a.vault.getSecret(tenants.secretName("team-a-erin"))
        }
        #expect(error?.code == .secretNotFound)

        _ = try await tenants.a.kube.patch(
            KubernetesSecret.self, .secrets, namespace: tenants.a.namespace, name: "plain",
            patch: try JSONSerialization.data(withJSONObject: ["metadata": ["labels": Self.allowPush]]))
        _ = try await tenants.a.waitFor("plain-weather") { $0.status?.state == .connected }
    }

    @Test func anAppsLibraryWriteKeepsTheOwnerTag() async throws {
        let tenants = try await Tenants()
        _ = try await tenants.connectAlice()
        try await tenants.a.library.setUserIntegration(
            userID: tenants.user("alice"), type: .weather, value: "app-rotated-a13")
        let tags = try await tenants.a.vault.getSecret(tenants.secretName("alice")).properties.tags
        #expect(tags["owner"] == "\(tenants.a.namespace)/alice-primary")
        #expect(tags["user-id"] == tenants.user("alice"))
    }
}
