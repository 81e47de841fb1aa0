import DurationUnits
import HTTPEndpoints
import KeyVault
import Kubernetes
import Prometheus
import Synchronization
import UserIntegrationReconciler

/// The operator's HTTP endpoints, served by `EndpointServer`:
/// - `/healthz`: 200 while the process serves, with the vault's and Redis's health as details;
/// - `/readyz`: the operator's own state (the API server answers; a leader's informers synced),
///   not the vault's or Redis's: an Azure outage must not make every replica unready and, with the
///   PodDisruptionBudget, block node drains. A standby runs no informers, so it is ready without them;
/// - `/metrics`: Prometheus text.
/// Health and metrics may share one address or use two.
final class OperatorEndpoints: Sendable {
    let controller: UserIntegrationController
    let kube: KubernetesClient
    let vault: CachedClient
    let registry: PrometheusCollectorRegistry
    /// Whether this replica reconciles (always, without leader election).
    let leading = Mutex(false)
    /// The vault's and Redis's health, checked at most every few seconds.
    let dependencies: DependencyHealth
    let process: ProcessMetrics

    init(
        controller: UserIntegrationController, kube: KubernetesClient, vault: CachedClient,
        registry: PrometheusCollectorRegistry
    ) {
        self.controller = controller
        self.kube = kube
        self.vault = vault
        self.registry = registry
        dependencies = DependencyHealth { await vault.health() }
        process = ProcessMetrics(registry: registry)
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
        case "/healthz" where health: return .text(200, "ok\n" + (await dependencyLines()).joined())
        case "/readyz" where health:
            let problems = await readinessProblems()
            return .text(problems.isEmpty ? 200 : 503, problems.isEmpty ? "ok\n" : problems.map { "\($0)\n" }.joined())
        case "/metrics" where metrics:
            process.update()
            return EndpointResponse(
                status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8",
                body: registry.emitToBuffer() + Array(controller.resourceMetrics().utf8))
        default: return nil
        }
    }

    /// How long a check may wait for the API server, the vault and Redis (probes time out).
    static let checkDeadline = Duration.seconds(2)

    /// What keeps the operator from being ready, one line per part; empty when ready.
    func readinessProblems() async -> [String] {
        var problems: [String] = []
        let apiServer: String? =
            await Self.within(Self.checkDeadline) {
                do {
                    _ = try await self.kube.serverVersion()
                    return nil
                } catch {
                    return "kubernetes: \(error)"
                }
            } ?? "kubernetes: no answer within \(Self.checkDeadline)"
        if let apiServer { problems.append(apiServer) }
        if leading.withLock({ $0 }), !controller.hasSynced { problems.append("informers: not synced yet") }
        return problems
    }

    /// `/healthz`'s details: a line per dependency, `keyvault: ok (12 ms)` or its error.
    func dependencyLines() async -> [String] {
        guard let report = await Self.within(Self.checkDeadline, { await self.dependencies.report() }) else {
            return ["keyvault and redis: no answer within \(Self.checkDeadline)\n"]
        }
        return report.components.map { component in
            component.healthy
                ? "\(component.name): ok (\(component.latency.inMilliseconds) ms)\n"
                : "\(component.name): \(component.error ?? "unreachable")\n"
        }
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
