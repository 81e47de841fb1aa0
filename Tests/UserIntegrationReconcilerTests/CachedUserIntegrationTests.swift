import Kubernetes
import Testing

@testable import UserIntegrationReconciler

/// What the controller's cache keeps of a resource: everything it reads, with what resources hold
/// alike shared between them.
struct CachedUserIntegrationTests {
    /// The start of a string's heap buffer (nil for a string short enough to be stored inline).
    static func storage(_ string: String) -> UnsafeRawPointer? {
        var copy = string
        return copy.withUTF8 { $0.count > 15 ? UnsafeRawPointer($0.baseAddress) : nil }
    }

    /// A resource as read from the API server: each string is a fresh copy.
    static func resource(_ name: String, syncedMessage: String = "the Key Vault secret is current") -> UserIntegration {
        let fresh = { (text: String) in String(decoding: Array(text.utf8), as: UTF8.self) }
        var metadata = ObjectMeta(
            name: name, namespace: fresh("tenant-integrations-prod"), labels: ["app": "x"], annotations: ["note": "y"],
            resourceVersion: "41",
            finalizers: [fresh(UserIntegration.finalizer)])
        metadata.creationTimestamp = "2026-12-01T10:00:00Z"
        var resource = UserIntegration(metadata: metadata, spec: .init(userId: name, type: "weather"))
        resource.apiVersion = fresh("integrations.keyvault.dev/v1alpha1")
        var status = UserIntegration.Status()
        status.lastSyncTime = fresh("2026-12-01T10:00:05Z")
        status.conditions = [
            Condition(
                type: Condition.keyVaultSynced, status: .true, reason: "Synced", message: fresh(syncedMessage),
                lastTransitionTime: fresh("2026-12-01T10:00:05Z"), observedGeneration: 1),
            Condition(
                type: Condition.cacheWarmed, status: .true, reason: "Warmed",
                message: fresh("Redis holds the current entry"),
                lastTransitionTime: fresh("2026-12-01T10:00:05Z"), observedGeneration: 1),
        ]
        resource.status = status
        return resource
    }

    @Test func keepsWhatTheControllerReadsAndDropsTheRest() {
        let original = Self.resource("alice-weather")
        let cached = original.cached(UserIntegration.Interners())
        var expected = original
        expected.metadata.labels = nil
        expected.metadata.annotations = nil
        expected.metadata.creationTimestamp = nil
        #expect(cached == expected)
    }

    @Test func resourcesSynchronizedInTheSameSecondToTheSameStateShareOneConditionList() throws {
        let interners = UserIntegration.Interners()
        let first = try #require(Self.resource("alice-weather").cached(interners).status?.conditions)
        let second = try #require(Self.resource("bob-weather").cached(interners).status?.conditions)
        #expect(second == first)
        #expect(InternerTests.address(second) == InternerTests.address(first))
    }

    @Test func resourcesWithTheirOwnMessagesStillShareTheirTimesAndCommonMessages() throws {
        let interners = UserIntegration.Interners()
        let first = Self.resource("alice-weather", syncedMessage: "Secret alice-creds has no key apiKey").cached(
            interners)
        let second = Self.resource("bob-weather", syncedMessage: "Secret bob-creds has no key apiKey").cached(interners)
        let firstConditions = try #require(first.status?.conditions)
        let secondConditions = try #require(second.status?.conditions)

        let shared: [(String, String)] = [
            (try #require(first.apiVersion), try #require(second.apiVersion)),
            (try #require(first.metadata.namespace), try #require(second.metadata.namespace)),
            (try #require(first.status?.lastSyncTime), try #require(second.status?.lastSyncTime)),
            (firstConditions[0].lastTransitionTime, secondConditions[0].lastTransitionTime),
            (firstConditions[0].lastTransitionTime, secondConditions[1].lastTransitionTime),
            (firstConditions[1].message, secondConditions[1].message),
        ]
        for (one, other) in shared {
            #expect(Self.storage(one) != nil, "\(one) is long enough to live on the heap")
            #expect(Self.storage(one) == Self.storage(other), "\(one) is one copy")
        }
        #expect(firstConditions[0].message != secondConditions[0].message)
        #expect(InternerTests.address(firstConditions) != InternerTests.address(secondConditions))
    }
}
