import Testing
import UserIntegrationReconciler

struct ConditionTests {
    @Test func aRebasedStatusKeepsTheTransitionTimesOfConditionsThatDidNotChange() {
        var earlier: [Condition] = []
        earlier.set(Condition.ready, .true, reason: "Synced", message: "", generation: 1, now: "2026-12-01T08:00:00Z")
        earlier.set(
            Condition.cacheWarmed, .false, reason: "CacheUnavailable", message: "", generation: 1,
            now: "2026-12-01T08:00:00Z")
        var planned: [Condition] = []
        planned.set(Condition.ready, .true, reason: "Synced", message: "", generation: 1, now: "2026-12-01T08:00:05Z")
        planned.set(
            Condition.cacheWarmed, .true, reason: "Synced", message: "", generation: 1, now: "2026-12-01T08:00:05Z")
        let rebased = planned.rebased(on: earlier)
        #expect(rebased[Condition.ready]?.lastTransitionTime == "2026-12-01T08:00:00Z")
        #expect(rebased[Condition.cacheWarmed]?.lastTransitionTime == "2026-12-01T08:00:05Z")
        #expect(rebased[Condition.cacheWarmed]?.status == .true)
    }
}
