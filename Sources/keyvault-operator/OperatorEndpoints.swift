import Hummingbird
import KeyVault
import Kubernetes
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization
import UserIntegrationReconciler

/// The operator's HTTP endpoints: `/healthz` (the process serves), `/readyz` (informers synced; the
/// API server, the vault and Redis reachable; the failing parts named) and `/metrics` (Prometheus
/// text). Health and metrics may share one address or use two. A standby replica (not leading)
/// runs no informers, so it is ready without them.
final class OperatorEndpoints: Sendable {
    let controller: UserIntegrationController
    let kube: KubernetesClient
    let vault: CachedClient
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    /// Whether this replica reconciles (always, without leader election).
    let leading = Mutex(false)

    init(controller: UserIntegrationController, kube: KubernetesClient, vault: CachedClient, registry: PrometheusCollectorRegistry, logger: Logger) {
        self.controller = controller
        self.kube = kube
        self.vault = vault
        self.registry = registry
        self.logger = logger
    }

    /// Serves until the task is cancelled, then shuts the servers down gracefully.
    func run(healthAddress: HostAndPort, metricsAddress: HostAndPort) async throws {
        let addresses = healthAddress == metricsAddress ? [healthAddress] : [healthAddress, metricsAddress]
        let services: [any Service] = addresses.map { address in
            let router = Router()
            if address == healthAddress { registerHealth(on: router) }
            if address == metricsAddress { registerMetrics(on: router) }
            return Application(router: router, configuration: .init(address: .hostname(address.host, port: address.port), serverName: nil), logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [], logger: logger))
        // An unstructured task, so that cancellation reaches the servers as a graceful shutdown only.
        let serving = Task { try await group.run() }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: {
            Task { await group.triggerGracefulShutdown() }
        }
    }

    private func registerHealth(on router: Router<BasicRequestContext>) {
        router.get("healthz") { _, _ in "ok\n" }
        router.get("readyz") { _, _ -> Response in
            let problems = await self.readinessProblems()
            let body = problems.isEmpty ? "ok\n" : problems.map { "\($0)\n" }.joined()
            return Response(status: problems.isEmpty ? .ok : .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
    }

    private func registerMetrics(on router: Router<BasicRequestContext>) {
        router.get("metrics") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: self.registry.emitToBuffer())))
        }
    }

    /// How long a readiness check may wait for the API server, the vault and Redis (probes time out).
    static let checkDeadline = Duration.seconds(2)

    /// What keeps the operator from being ready, one line per part; empty when ready.
    func readinessProblems() async -> [String] {
        async let apiServer: String? = Self.within(Self.checkDeadline) {
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

/// A `host:port` listening address, as `--health-addr` and `--metrics-addr` take it (`:8081` means
/// every interface).
struct HostAndPort: Equatable, Sendable {
    var host: String
    var port: Int

    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon])
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
    }
}
