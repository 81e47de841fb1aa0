import Foundation
import Kubernetes
import Synchronization
import UserIntegrationReconciler

/// Watches a namespace's UserIntegrations and notes when each first shows `Ready=True`, as a
/// user's `kubectl get -w` would see it, and how often each was modified (status and finalizer
/// writes: what a steady state must not do).
final class ReadyWatcher: Sendable {
    let kube: KubernetesClient
    let namespace: String
    private let readyAt = Mutex<[String: ContinuousClock.Instant]>([:])
    private let modified = Mutex<[String: Int]>([:])

    init(kube: KubernetesClient, namespace: String) {
        self.kube = kube
        self.namespace = namespace
    }

    func run() async throws {
        let list = try await kube.listAll(UserIntegration.self, UserIntegration.resource, namespace: namespace)
        // Those Ready before the watch began count from the list.
        for object in list.items { noteIfReady(object) }
        var resourceVersion = list.resourceVersion
        while !Task.isCancelled {
            for try await event in try await kube.watch(
                UserIntegration.self, UserIntegration.resource, namespace: namespace, resourceVersion: resourceVersion)
            {
                switch event {
                case .added(let object), .modified(let object):
                    if case .modified = event, let name = object.metadata.name {
                        modified.withLock { $0[name, default: 0] += 1 }
                    }
                    resourceVersion = object.metadata.resourceVersion ?? resourceVersion
                    noteIfReady(object)
                case .bookmark(let version): resourceVersion = version
                case .deleted, .error: break
                }
            }
        }
    }

    private func noteIfReady(_ object: UserIntegration) {
        guard object.status?.conditions?.contains(where: { $0.type == "Ready" && $0.status == .true }) == true,
            let name = object.metadata.name
        else { return }
        let now = ContinuousClock.now
        readyAt.withLock { if $0[name] == nil { $0[name] = now } }
    }

    /// Modifications so far of the resources whose names pass `filter`.
    func modifications(_ filter: (String) -> Bool = { _ in true }) -> Int {
        modified.withLock { $0.filter { filter($0.key) }.values.reduce(0, +) }
    }

    /// Waits until every name is Ready; returns when the last one became Ready.
    func waitUntilReady(_ names: [String], timeout: Duration) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while true {
            let times = readyAt.withLock { ready in names.compactMap { ready[$0] } }
            if times.count == names.count { return times.max() ?? .now }
            guard ContinuousClock.now < deadline else {
                throw KubernetesError(
                    code: 0, reason: "Timeout",
                    message: "\(names.count - times.count) of \(names.count) resources never became Ready")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
    }
}
