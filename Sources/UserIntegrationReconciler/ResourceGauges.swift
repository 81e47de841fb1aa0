import Foundation
import Kubernetes

/// Per-resource gauges, as kube-state-metrics exposes objects: `userintegration_ready` (1 while
/// the `Ready` condition is True, else 0) and `userintegration_expiry_timestamp_seconds` (the
/// credential's expiry, while it has one). Labels: namespace, name and type; never the user ID,
/// a secret name or a value. Rendered at each scrape from the informers' cache, as
/// kube-state-metrics does, so they cost no memory per resource and no work per update, hold
/// from start-up, follow every status change, and go when the resource does.
enum ResourceGauges {
    static let ready = "userintegration_ready"
    static let expiry = "userintegration_expiry_timestamp_seconds"

    /// The two families in Prometheus text format, for the resources `forEach` walks.
    static func render(forEach resources: ((UserIntegration) -> Void) -> Void) -> String {
        var ready = """
            # HELP \(Self.ready) 1 while the UserIntegration's Ready condition is True, else 0.
            # TYPE \(Self.ready) gauge

            """
        var expiry = """
            # HELP \(Self.expiry) When the UserIntegration's credential expires, in Unix seconds.
            # TYPE \(Self.expiry) gauge

            """
        resources { object in
            let labels =
                #"{namespace="\#(escaped(object.metadata.namespace ?? ""))",name="\#(escaped(object.metadata.name ?? ""))",type="\#(escaped(object.spec.type))"}"#
            let isReady = object.status?.conditions?.first { $0.type == Condition.ready }?.status == .true
            ready += "\(Self.ready)\(labels) \(isReady ? 1 : 0)\n"
            if let text = object.status?.expiresAt, let date = try? Date(text, strategy: .iso8601) {
                expiry += "\(Self.expiry)\(labels) \(date.timeIntervalSince1970)\n"
            }
        }
        return ready + expiry
    }

    /// A label value as the text format writes it: backslash, double quote and newline escaped.
    private static func escaped(_ value: String) -> String {
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: #"\\"#).replacingOccurrences(of: "\"", with: #"\""#)
            .replacingOccurrences(of: "\n", with: #"\n"#)
    }
}
