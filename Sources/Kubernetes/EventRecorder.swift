import Foundation
public import Logging

/// Records `events.k8s.io/v1` Events about objects. A repeat of the same event (same object,
/// type, reason, action and note) within `seriesWindow` updates the first Event's `series.count`
/// instead of creating another object, as client-go's recorder does. Recording never throws: a
/// failure is logged, so events cannot break reconciliation.
public final class EventRecorder: Sendable {
    public enum EventType: String, Sendable { case normal = "Normal", warning = "Warning" }

    private let client: KubernetesClient
    private let controller: String
    private let instance: String
    private let logger: Logger
    private let series: EventSeriesTable

    public init(
        client: KubernetesClient, controller: String, instance: String, seriesWindow: Duration = .seconds(360),
        logger: Logger? = nil
    ) {
        self.client = client
        self.controller = controller
        self.instance = instance
        self.series = EventSeriesTable(window: seriesWindow)
        self.logger = logger ?? client.logger
    }

    /// Records an event about `regarding`. `note` must not hold secret values.
    public func record(regarding: Event.Reference, type: EventType, reason: String, action: String, note: String) async
    {
        let namespace = regarding.namespace ?? "default"
        let key = [regarding.uid ?? regarding.name ?? "", type.rawValue, reason, action, note].joined(
            separator: "\u{1F}")
        let now = Date()
        do {
            if let previous = series.repeatOf(key) {
                let series = Event.Series(count: previous.count, lastObservedTime: KubernetesTime.micro(now))
                let patch = try JSONEncoder().encode(["series": series])
                _ = try await client.patch(
                    Event.self, .events, namespace: previous.namespace, name: previous.name, patch: patch)
                return
            }
            let name = "\(regarding.name ?? "object").\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
            let event = Event(
                metadata: .init(name: name, namespace: namespace), eventTime: KubernetesTime.micro(now),
                reportingController: controller,
                reportingInstance: instance, action: action, reason: reason, regarding: regarding,
                note: String(note.prefix(1024)),
                type: type.rawValue)
            _ = try await client.create(event, .events)
            series.remember(key, name: name, namespace: namespace)
        } catch {
            logger.warning("event not recorded", metadata: ["k8s.reason": "\(reason)", "k8s.error": "\(error)"])
        }
    }
}
