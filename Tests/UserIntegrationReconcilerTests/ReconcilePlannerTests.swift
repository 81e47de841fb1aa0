import Foundation
import KeyVault
import Kubernetes
import Testing
import UserIntegrationReconciler

struct ReconcilePlannerTests {
    let planner = ReconcilePlanner()
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func resource(
        secretRef: Bool = true, expiresAt: String? = nil, generation: Int = 3, type: String = "weather"
    ) -> UserIntegration {
        var metadata = ObjectMeta(name: "user-123-weather", namespace: "iot")
        metadata.generation = generation
        return UserIntegration(
            metadata: metadata,
            spec: .init(
                userId: "user-123", type: type, secretRef: secretRef ? .init(name: "creds", key: "apiKey") : nil,
                expiresAt: expiresAt))
    }

    func vaultSecret(
        _ value: String, expires: Date? = nil, owner: String? = "iot/user-123-weather", enabled: Bool = true
    ) -> Secret {
        var tags = ["managed-by": "keyvault-operator", "user-id": "user-123", "integration-type": "weather"]
        if let owner { tags["owner"] = owner }
        return Secret(
            properties: .init(
                name: "user-user-123-weather", version: "v1", enabled: enabled, expiresAt: expires, tags: tags),
            value: value)
    }

    @Test func aNewSecretRefIsWrittenWithExpiryAndOwnershipTags() throws {
        let plan = planner.plan(
            resource(expiresAt: "2031-01-01T00:00:00Z"), secretRef: .value(Data("api-key-4f2".utf8)), vault: .missing,
            now: now)
        guard case .write(let desired) = plan.vaultAction else {
            Issue.record("expected a write, got \(plan.vaultAction)"); return
        }
        #expect(desired.name == "user-user-123-weather")
        #expect(desired.value == "api-key-4f2")
        #expect(desired.expiresAt == ISO8601DateFormatter().date(from: "2031-01-01T00:00:00Z"))
        #expect(
            desired.tags == [
                "managed-by": "keyvault-operator", "user-id": "user-123", "integration-type": "weather",
                "owner": "iot/user-123-weather",
            ])
        #expect(plan.status.state == .connected)
        #expect(plan.status.maskedKey == "***4f2")
        #expect(plan.status.vaultSecretName == "user-user-123-weather")
        #expect(plan.status.observedGeneration == 3)
        #expect(plan.status.conditions?["Ready"]?.status == .true)
        #expect(plan.status.conditions?["KeyVaultSynced"]?.reason == "Synced")
        #expect(plan.event?.reason == "Synced")
    }

    @Test func anUnchangedValueExpiryAndTagsWriteNothing() {
        let expires = Date(timeIntervalSince1970: 1_900_000_000)
        let plan = planner.plan(
            resource(expiresAt: ISO8601DateFormatter().string(from: expires)),
            secretRef: .value(Data("same-value".utf8)),
            vault: .present(vaultSecret("same-value", expires: expires)), now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.event == nil)
        #expect(plan.status.vaultSecretVersion == "v1")
    }

    /// Within the warning period: `ExpiringSoon` with a Warning on the transition only; before it,
    /// no condition and a requeue at the period's start; once expired, `Expired` takes over.
    @Test func aCredentialExpiringWithinTheWarningIsFlaggedOnce() {
        let planner = ReconcilePlanner(expiryWarning: .seconds(3600))
        func plan(expiresIn seconds: Double, previous: UserIntegration.Status? = nil) -> ReconcilePlan {
            let expires = now + seconds
            var current = resource(expiresAt: ISO8601DateFormatter().string(from: expires))
            current.status = previous
            return planner.plan(
                current, secretRef: .value(Data("same-value".utf8)),
                vault: .present(vaultSecret("same-value", expires: expires)), now: now)
        }
        let early = plan(expiresIn: 7200)
        #expect(early.status.conditions?[Condition.expiringSoon] == nil)
        #expect(early.requeueAfter == .seconds(3600), "looked at again when the warning starts")
        #expect(early.event == nil)

        let soon = plan(expiresIn: 1800, previous: early.status)
        #expect(soon.status.conditions?[Condition.expiringSoon]?.status == .true)
        #expect(soon.status.conditions?[Condition.ready]?.status == .true, "still connected")
        #expect(soon.event?.reason == "ExpiringSoon" && soon.event?.warning == true)
        #expect(soon.event?.note == "the credential expires at 2027-01-15T08:30:00Z")
        #expect(soon.requeueAfter == .seconds(1800), "then at the expiry")
        #expect(plan(expiresIn: 1700, previous: soon.status).event == nil, "the warning is recorded once")

        let expired = plan(expiresIn: -1, previous: soon.status)
        #expect(expired.status.conditions?[Condition.expiringSoon] == nil)
        #expect(expired.status.conditions?[Condition.expired]?.status == .true)
    }

    @Test(arguments: ["changed-value", "same-value"])
    func aChangedValueOrExpiryIsWrittenAgain(value: String) {
        let plan = planner.plan(
            resource(expiresAt: value == "same-value" ? "2031-01-01T00:00:00Z" : nil),
            secretRef: .value(Data(value.utf8)),
            vault: .present(vaultSecret("same-value")), now: now)
        guard case .write = plan.vaultAction else { Issue.record("expected a write"); return }
    }

    @Test func itsOwnSoftDeletedNameIsRecoveredThenWritten() {
        let plan = planner.plan(
            resource(), secretRef: .value(Data("v-123456".utf8)), vault: .deleted(owner: "iot/user-123-weather"),
            now: now)
        guard case .recoverAndWrite = plan.vaultAction else { Issue.record("expected recover and write"); return }
    }

    @Test(arguments: [Optional("other/thing"), nil])
    func aSoftDeletedNameOfAnotherOrNoOwnerIsAConflict(owner: String?) {
        let plan = planner.plan(
            resource(), secretRef: .value(Data("v-123456".utf8)), vault: .deleted(owner: owner), now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.status.conditions?["Ready"]?.reason == "Conflict")
    }

    @Test func aSecretNoResourceOwnsIsAConflictUnlessAdopted() {
        let untagged = VaultObservation.present(vaultSecret("app-written", owner: nil))
        let refused = planner.plan(resource(), secretRef: .value(Data("declared".utf8)), vault: untagged, now: now)
        #expect(refused.vaultAction == .none)
        #expect(refused.status.conditions?["Ready"]?.reason == "Conflict")
        #expect(refused.status.maskedKey == nil)
        var adopting = resource()
        adopting.metadata.annotations = [UserIntegration.adoptAnnotation: "true"]
        let adopted = planner.plan(adopting, secretRef: .value(Data("declared".utf8)), vault: untagged, now: now)
        guard case .write(let desired) = adopted.vaultAction else { Issue.record("expected a write"); return }
        #expect(desired.tags["owner"] == "iot/user-123-weather")
    }

    @Test func aDisabledSecretIsNeverWrittenEvenWhenAdopted() {
        var adopting = resource()
        adopting.metadata.annotations = [UserIntegration.adoptAnnotation: "true"]
        let plan = planner.plan(
            adopting, secretRef: .value(Data("declared".utf8)), vault: .present(vaultSecret("", enabled: false)),
            now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.status.conditions?["Ready"]?.reason == "VaultSecretDisabled")
        #expect(plan.event?.warning == true)
    }

    @Test func anUnlabelledSecretIsNotPushed() {
        let plan = planner.plan(resource(), secretRef: .notAllowed, vault: .missing, now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.status.conditions?["Ready"]?.reason == "SecretNotAllowed")
    }

    @Test func anotherOwnersSecretIsAConflictAndNeverWritten() {
        let plan = planner.plan(
            resource(), secretRef: .value(Data("mine".utf8)),
            vault: .present(vaultSecret("theirs", owner: "other/thing")), now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.status.state == .error)
        #expect(plan.status.conditions?["Ready"]?.reason == "Conflict")
        #expect(plan.event?.warning == true)
        // Nothing names the other tenant's namespace or resource, or shows its masked key.
        #expect(plan.status.conditions?["Ready"]?.message.contains("other/thing") == false)
        #expect(plan.event?.note.contains("other/thing") == false)
    }

    @Test(arguments: [SecretReferenceValue.secretNotFound, .keyNotFound])
    func aMissingSecretOrKeyIsNotConfigured(_ value: SecretReferenceValue) {
        let plan = planner.plan(resource(), secretRef: value, vault: .missing, now: now)
        #expect(plan.vaultAction == .none)
        #expect(plan.status.state == .notConfigured)
        #expect(plan.status.conditions?["Ready"]?.reason == "SecretRefNotFound")
    }

    @Test func oversizeAndNonUTF8ValuesAreErrorsThatNeverLeakTheValue() {
        let big = planner.plan(
            resource(), secretRef: .value(Data(repeating: 65, count: 25 * 1024 + 1)), vault: .missing, now: now)
        #expect(big.vaultAction == .none)
        #expect(big.status.conditions?["Ready"]?.reason == "InvalidSecretValue")
        #expect(big.status.conditions?["Ready"]?.message.contains("AAAA") == false)
        let binary = planner.plan(resource(), secretRef: .value(Data([0xff, 0xfe, 0x00])), vault: .missing, now: now)
        #expect(binary.status.state == .error)
        #expect(binary.status.conditions?["Ready"]?.reason == "InvalidSecretValue")
    }

    @Test func observeModeReportsWhatTheVaultHolds() {
        let missing = planner.plan(resource(secretRef: false), secretRef: nil, vault: .missing, now: now)
        #expect(missing.status.state == .notConfigured)
        #expect(missing.vaultAction == .none)
        let connected = planner.plan(
            resource(secretRef: false), secretRef: nil,
            vault: .present(vaultSecret("app-written-value-9c3", owner: nil)), now: now)
        #expect(connected.status.state == .connected)
        #expect(connected.status.maskedKey == "***9c3")
        #expect(connected.status.conditions?["KeyVaultSynced"]?.reason == "Observed")
        let disabled = planner.plan(
            resource(secretRef: false), secretRef: nil, vault: .present(vaultSecret("v", enabled: false)), now: now)
        #expect(disabled.status.state == .notConfigured)
    }

    @Test func expiryIsRequeuedAndThenReportedExpired() {
        let soon = now.addingTimeInterval(90)
        let before = planner.plan(
            resource(secretRef: false), secretRef: nil, vault: .present(vaultSecret("v-1234567", expires: soon)),
            now: now)
        #expect(before.status.state == .connected)
        #expect(before.requeueAfter == .seconds(90))
        let after = planner.plan(
            resource(secretRef: false), secretRef: nil, vault: .present(vaultSecret("v-1234567", expires: soon)),
            now: now.addingTimeInterval(91))
        #expect(after.status.state == .expired)
        #expect(after.status.conditions?["Expired"]?.status == .true)
        #expect(after.status.conditions?["Ready"]?.status == .false)
        #expect(after.requeueAfter == nil)
    }

    @Test func transitionTimesChangeOnlyWhenTheStatusChanges() {
        var subject = resource(secretRef: false)
        let first = planner.plan(subject, secretRef: nil, vault: .present(vaultSecret("value-12345")), now: now)
        subject.status = first.status
        let later = now.addingTimeInterval(600)
        let second = planner.plan(subject, secretRef: nil, vault: .present(vaultSecret("value-12345")), now: later)
        #expect(
            second.status.conditions?["Ready"]?.lastTransitionTime
                == first.status.conditions?["Ready"]?.lastTransitionTime)
        #expect(second.status.lastSyncTime != first.status.lastSyncTime)
        subject.status = second.status
        let third = planner.plan(subject, secretRef: nil, vault: .missing, now: later)
        #expect(
            third.status.conditions?["Ready"]?.lastTransitionTime
                != first.status.conditions?["Ready"]?.lastTransitionTime)
    }

    @Test func vaultFailuresMapToConditionReasons() {
        let unavailable = planner.failure(resource(), error: KeyVaultError(.connectionFailed, "refused"), now: now)
        #expect(unavailable.state == .error)
        #expect(unavailable.conditions?["Ready"]?.reason == "KeyVaultUnavailable")
        #expect(
            planner.failure(resource(), error: KeyVaultError(.throttled), now: now).conditions?["Ready"]?.reason
                == "Throttled")
    }

    @Test func redisIsWarmedWhenConnectedInvalidatedOnceAtExpiryClearedWhenNotConfiguredAndLeftAloneOnErrors() {
        #expect(ReconcilePlanner.cacheAction(from: nil, to: .connected) == .warm)
        #expect(ReconcilePlanner.cacheAction(from: .connected, to: .connected) == .warm)
        #expect(ReconcilePlanner.cacheAction(from: .connected, to: .expired) == .invalidate)
        #expect(ReconcilePlanner.cacheAction(from: nil, to: .expired) == .invalidate)
        #expect(ReconcilePlanner.cacheAction(from: .expired, to: .expired) == CacheAction.none)
        #expect(ReconcilePlanner.cacheAction(from: .connected, to: .notConfigured) == .dropValue)
        #expect(ReconcilePlanner.cacheAction(from: .connected, to: .error) == CacheAction.none)
    }
}

struct UserBindingTests {
    @Test(arguments: [
        ("user-123", "user-123", true), ("user-1234", "user-123", false), ("team-a-7", "user-123, team-a-*", true),
        ("team-b-7", "user-123,team-a-*", false), ("anyone", "*", true), ("user-123", "", false),
        ("user-123", " , ", false), ("user-12", "user-1?", true),
    ])
    func globsMatchTheWholeUserID(userID: String, patterns: String, allowed: Bool) {
        #expect(UserBinding.allows(userID, patterns: patterns) == allowed)
    }

    @Test func aNamespaceWithoutTheAnnotationAllowsNoOne() {
        #expect(!UserBinding.allows("user-123", patterns: nil))
    }
}
