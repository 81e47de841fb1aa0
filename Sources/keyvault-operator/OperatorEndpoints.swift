import HTTPEndpoints
import KeyVault
import Kubernetes
import Prometheus
import Synchronization
import UserIntegrationReconciler

/// The operator's HTTP endpoints: `/healthz` (the process serves), `/readyz` (informers synced; the
/// API server, the vault and Redis reachable; the failing parts named) and `/metrics` (Prometheus
/// text), served by `EndpointServer`. Health and metrics may share one address or use two. A
/// standby replica (not leading) runs no informers, so it is ready without them.
final class OperatorEndpoints: Sendable {
    let controller: UserIntegrationController
    let kube: KubernetesClient
    let vault: CachedClient
    let registry: PrometheusCollectorRegistry
    /// Whether this replica reconciles (always, without leader election).
    let leading = Mutex(false)

    init(
        controller: UserIntegrationController, kube: KubernetesClient, vault: CachedClient,
        registry: PrometheusCollectorRegistry
    ) {
        self.controller = controller
        self.kube = kube
        self.vault = vault
        self.registry = registry
    }

    /// Serves until the task is cancelled, then stops accepting (answers in progress finish).
    /// - Throws: `EndpointServer.Failure` when an address cannot be bound.
    func run(healthAddress: HostAndPort, metricsAddress: HostAndPort) async throws {
        let addresses = healthAddress == metricsAddress ? [healthAddress] : [healthAddress, metricsAddress]
        let servers = try addresses.map { address in
            try EndpointServer(host: address.host, port: address.port) { path in
                await self.response(to: path, health: address == healthAddress, metrics: address == metricsAddress)
            }
        }
        await withTaskGroup(of: Void.self) { group in
            for server in servers { group.addTask { await server.run() } }
        }
    }

    private func response(to path: String, health: Bool, metrics: Bool) async -> EndpointResponse? {
        switch path {
        case "/healthz" where health: return .text(200, "ok\n")
        case "/readyz" where health:
            let problems = await readinessProblems()
            return .text(problems.isEmpty ? 200 : 503, problems.isEmpty ? "ok\n" : problems.map { "\($0)\n" }.joined())
        case "/metrics" where metrics:
            return EndpointResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToBuffer())
        default: return nil
        }
    }

    /// How long a readiness check may wait for the API server, the vault and Redis (probes time out).
    static let checkDeadline = Duration.seconds(2)

    /// What keeps the operator from being ready, one line per part; empty when ready.
    func readinessProblems() async -> [String] {
        async let apiServer: String? =
            Self.within(Self.checkDeadline) {
                do {
                    _ = try await self.kube.serverVersion()
                    return nil
                } catch {
                    return "kubernetes: \(error)"
                }
            } ?? "kubernetes: no answer within \(Self.checkDeadline)"
        var problems: [String]
        if let health = await Self.within(Self.checkDeadline, { await self.vault.health() }) {
            problems = health.components.filter { !$0.healthy }.map { "\($0.name): \($0.error ?? "unreachable")" }
        } else {
            problems = ["keyvault and redis: no answer within \(Self.checkDeadline)"]
        }
        if let apiServer = await apiServer { problems.insert(apiServer, at: 0) }
        if leading.withLock({ $0 }), !controller.hasSynced { problems.append("informers: not synced yet") }
        return problems
    }
}

extension OperatorEndpoints {
    /// `work`'s result, or `nil` when it takes longer than `limit` (it is then cancelled).
    static func within<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async -> T) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await work() }
            group.addTask {
                try? await Task.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
