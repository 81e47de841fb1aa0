import Foundation
import Kubernetes
import Metrics

/// Per-resource gauges, as kube-state-metrics exposes objects: `userintegration_ready` (1 while
/// the `Ready` condition is True, else 0) and `userintegration_expiry_timestamp_seconds` (the
/// credential's expiry, while it has one). Labels: namespace, name and type; never the user ID,
/// a secret name or a value. Fed by the informer, so they hold from start-up, follow every status
/// change, and go when the resource does.
struct ResourceGauges: Sendable {
    static let ready = "userintegration_ready"
    static let expiry = "userintegration_expiry_timestamp_seconds"

    func observe(_ change: Informer<UserIntegration>.Change) {
        switch change {
        case .added(let object): update(object)
        case .resync: break  // unchanged
        case .updated(let old, let new):
            if !Self.dimensions(old).elementsEqual(Self.dimensions(new), by: ==) { remove(old) }
            update(new)
        case .deleted(let object): remove(object)
        }
    }

    private func update(_ object: UserIntegration) {
        let dimensions = Self.dimensions(object)
        let ready = object.status?.conditions?.first { $0.type == Condition.ready }?.status == .true
        Gauge(label: Self.ready, dimensions: dimensions).record(ready ? 1 : 0)
        if let text = object.status?.expiresAt, let expiry = try? Date(text, strategy: .iso8601) {
            Gauge(label: Self.expiry, dimensions: dimensions).record(expiry.timeIntervalSince1970)
        } else {
            Gauge(label: Self.expiry, dimensions: dimensions).destroy()
        }
    }

    private func remove(_ object: UserIntegration) {
        let dimensions = Self.dimensions(object)
        Gauge(label: Self.ready, dimensions: dimensions).destroy()
        Gauge(label: Self.expiry, dimensions: dimensions).destroy()
    }

    private static func dimensions(_ object: UserIntegration) -> [(String, String)] {
        [
            ("namespace", object.metadata.namespace ?? ""), ("name", object.metadata.name ?? ""),
            ("type", object.spec.type),
        ]
    }
}
