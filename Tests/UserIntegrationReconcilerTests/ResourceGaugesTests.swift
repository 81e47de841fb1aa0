import Kubernetes
import Testing

@testable import UserIntegrationReconciler

/// The per-resource gauges as a scrape renders them.
struct ResourceGaugesTests {
    static func resource(_ name: String, ready: Bool, expiresAt: String? = nil) -> UserIntegration {
        var resource = UserIntegration(
            metadata: .init(name: name, namespace: "team-a"), spec: .init(userId: "user-123", type: "weather"))
        var status = UserIntegration.Status()
        status.conditions = [
            Condition(
                type: Condition.ready, status: ready ? .true : .false, reason: "Synced", message: "",
                lastTransitionTime: "2026-12-04T00:00:00Z", observedGeneration: 1)
        ]
        status.expiresAt = expiresAt
        resource.status = status
        return resource
    }

    @Test func eachResourceIsOneSampleOfReadinessAndOneOfExpiryWhileItHasOne() {
        let resources = [
            Self.resource("a", ready: true, expiresAt: "2031-01-01T00:00:00Z"), Self.resource("b", ready: false),
        ]
        let text = ResourceGauges.render { body in resources.forEach(body) }
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(
            lines == [
                #"userintegration_ready{namespace="team-a",name="a",type="weather"} 1"#,
                #"userintegration_ready{namespace="team-a",name="b",type="weather"} 0"#,
                #"userintegration_expiry_timestamp_seconds{namespace="team-a",name="a",type="weather"} 1924992000.0"#,
            ])
        #expect(text.contains("# TYPE userintegration_ready gauge"))
        #expect(!text.contains("user-123"), "no user ID in a label")
    }

    @Test func labelValuesAreEscaped() {
        var resource = Self.resource("a", ready: true)
        resource.spec.type = #"we"ather\"#
        let text = ResourceGauges.render { body in body(resource) }
        #expect(text.contains(#"type="we\"ather\\"} 1"#))
    }
}
