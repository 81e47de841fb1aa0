import KeyVault
import Kubernetes
import Testing

@testable import UserIntegrationReconciler

/// Which informer updates and Redis notifications make the controller reconcile, and which
/// resources found at start-up wait for the spread resync pass.
struct ControllerTriggerTests {
    static func resource(
        generation: Int = 1, finalizers: [String]? = nil, observedGeneration: Int? = nil, retain: Bool = false
    ) -> UserIntegration {
        var resource = UserIntegration(
            metadata: .init(name: "a", namespace: "n", finalizers: finalizers),
            spec: .init(userId: "u", type: "weather", deletionPolicy: retain ? .retain : nil))
        resource.metadata.generation = generation
        if let observedGeneration {
            var status = UserIntegration.Status()
            status.observedGeneration = observedGeneration
            resource.status = status
        }
        return resource
    }

    @Test func theOperatorsOwnFinalizerAndStatusWritesDoNotRequeue() {
        let fresh = Self.resource()
        let finalized = Self.resource(finalizers: [UserIntegration.finalizer])
        #expect(!UserIntegrationController.needsReconcile(old: fresh, new: finalized))
        #expect(
            !UserIntegrationController.needsReconcile(
                old: finalized, new: Self.resource(finalizers: [UserIntegration.finalizer], observedGeneration: 1)))
    }

    @Test func aSpecChangeADeletionOrALostFinalizerRequeue() {
        let finalized = Self.resource(finalizers: [UserIntegration.finalizer])
        #expect(
            UserIntegrationController.needsReconcile(
                old: finalized, new: Self.resource(generation: 2, finalizers: [UserIntegration.finalizer])))
        var deleting = finalized
        deleting.metadata.deletionTimestamp = "2026-12-01T00:00:00Z"
        #expect(UserIntegrationController.needsReconcile(old: finalized, new: deleting))
        #expect(UserIntegrationController.needsReconcile(old: finalized, new: Self.resource(finalizers: ["other"])))
    }

    @Test func aNewForceSyncValueRequeuesButNoOtherAnnotationDoes() {
        let finalized = Self.resource(finalizers: [UserIntegration.finalizer], observedGeneration: 1)
        func annotated(_ annotations: [String: String]) -> UserIntegration {
            var resource = finalized
            resource.metadata.annotations = annotations
            return resource
        }
        let other = annotated(["example.com/owner": "team-a"])
        #expect(!UserIntegrationController.needsReconcile(old: finalized, new: other))
        let first = annotated([UserIntegration.forceSyncAnnotation: "2026-12-04T15:00:00Z"])
        #expect(UserIntegrationController.needsReconcile(old: other, new: first))
        #expect(!UserIntegrationController.needsReconcile(old: first, new: first))
        let second = annotated([UserIntegration.forceSyncAnnotation: "2026-12-04T15:05:00Z"])
        #expect(UserIntegrationController.needsReconcile(old: first, new: second))
        // The cached copy keeps the value (and only the annotations read), so the next change compares.
        let cached = annotated([UserIntegration.forceSyncAnnotation: "x", "example.com/owner": "team-a"])
            .cached(UserIntegration.Interners())
        #expect(cached.metadata.annotations == [UserIntegration.forceSyncAnnotation: "x"])
    }

    @Test func onlyResourcesReconciledAtTheirGenerationWaitForTheResyncPass() {
        #expect(
            UserIntegrationController.isReconciled(
                Self.resource(finalizers: [UserIntegration.finalizer], observedGeneration: 1)))
        #expect(
            !UserIntegrationController.isReconciled(
                Self.resource(generation: 2, finalizers: [UserIntegration.finalizer], observedGeneration: 1)))
        #expect(!UserIntegrationController.isReconciled(Self.resource(observedGeneration: 1)))
        #expect(!UserIntegrationController.isReconciled(Self.resource(finalizers: [UserIntegration.finalizer])))
    }

    @Test func aRetainResourceIsReconciledWithoutTheFinalizerAndItsRemovalDoesNotRequeue() {
        #expect(UserIntegrationController.isReconciled(Self.resource(observedGeneration: 1, retain: true)))
        let leftOver = Self.resource(finalizers: [UserIntegration.finalizer], observedGeneration: 1, retain: true)
        #expect(!UserIntegrationController.isReconciled(leftOver), "a finalizer left from Delete is still to remove")
        #expect(
            !UserIntegrationController.needsReconcile(
                old: leftOver, new: Self.resource(observedGeneration: 1, retain: true)))
    }

    @Test func notificationsOfTheOperatorsOwnCacheWritesAreToldApart() {
        let versions = WarmedVersions()
        let key = IntegrationKey(userID: "u", type: .weather)
        #expect(!versions.isOwn(key, cachedVersion: nil), "never touched here: someone else removed it")
        versions.record(key, version: "v1", expiresAt: .now + .seconds(300))
        #expect(versions.isOwn(key, cachedVersion: "v1"), "its own warm write")
        #expect(!versions.isOwn(key, cachedVersion: "v2"), "an app wrote another version")
        #expect(!versions.isOwn(key, cachedVersion: nil), "gone long before it expires: someone else removed it")
        versions.record(key, version: "v1", expiresAt: .now + .milliseconds(500))
        #expect(versions.isOwn(key, cachedVersion: nil), "gone within a second of its expiry: expired")
        #expect(!versions.isOwn(key, cachedVersion: nil), "forgotten once expired: a later removal is someone else's")
        versions.record(key, version: nil)
        #expect(!versions.isOwn(key, cachedVersion: nil), "after its own invalidation: could be an app's write")
        #expect(!versions.isOwn(key, cachedVersion: "v3"), "an app wrote after the invalidation")
    }

    @Test func aWarmThatWritesTheVersionAgainAfterItsEntryExpiredIsStillOwn() {
        let versions = WarmedVersions()
        let key = IntegrationKey(userID: "u", type: .weather)
        versions.record(key, version: "v1", expiresAt: .now + .milliseconds(500))
        // A resync's warm expects v1 while the old entry is still there, so it keeps that entry's expiry.
        versions.expect(key, version: "v1", expiresIn: .seconds(300))
        #expect(versions.isOwn(key, cachedVersion: nil), "the old entry expired")
        // The warm writes v1 again; its notification can come before the warm records the write.
        #expect(versions.isOwn(key, cachedVersion: "v1"), "the warm's own write")
        #expect(!versions.isOwn(key, cachedVersion: nil), "a removal after the expiry is someone else's")
    }

    @Test func anEntryAWarmFindsCurrentKeepsTheExpiryItWasWrittenWith() {
        let versions = WarmedVersions()
        let key = IntegrationKey(userID: "u", type: .weather)
        versions.record(key, version: "v1", expiresAt: .now + .milliseconds(500))
        // A resync's warm of the same version, before it knows whether it writes: the entry may
        // still be the one written earlier, and its expiry, in half a second, is still its own.
        versions.expect(key, version: "v1", expiresIn: .seconds(300))
        #expect(versions.isOwn(key, cachedVersion: nil), "the earlier write's expiry")
        // A new version: the warm replaces the entry, which then expires at the full TTL.
        versions.expect(key, version: "v2", expiresIn: .seconds(300))
        #expect(versions.isOwn(key, cachedVersion: "v2"), "the warm's own write")
        #expect(
            !versions.isOwn(key, cachedVersion: nil), "gone long before the new entry expires: someone else removed it")
    }
}
