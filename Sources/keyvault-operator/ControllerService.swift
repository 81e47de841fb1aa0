import Kubernetes
import Logging
import Metrics
import ServiceLifecycle
import Synchronization
import UserIntegrationReconciler

/// The controller as a service: it reconciles while this replica leads (always, without leader
/// election). On graceful shutdown a leader stops intake, finishes the reconciles in flight and
/// releases its Lease; a standby stops campaigning at once.
struct ControllerService: Service {
    let controller: UserIntegrationController
    /// `nil` without `--leader-elect`.
    let elector: LeaderElector?
    let endpoints: OperatorEndpoints
    let logger: Logger
    private let leading: Gauge

    init(controller: UserIntegrationController, elector: LeaderElector?, endpoints: OperatorEndpoints, logger: Logger) {
        self.controller = controller
        self.elector = elector
        self.endpoints = endpoints
        self.logger = logger
        // Named after the Lease, as controller-runtime names it.
        leading = Gauge(
            label: "leader_election_master_status", dimensions: [("name", elector?.name ?? "keyvault-operator")])
    }

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await campaignAndLead() }
            group.addTask {
                try await gracefulShutdown()
                logger.info("shutting down: finishing the reconciles in flight")
                controller.shutDown()
                // A leader's run returns once drained (and then releases its Lease); a standby has
                // nothing to finish and stops campaigning now.
                guard endpoints.leading.withLock({ $0 }) else { throw CancellationError() }
                try await Task.sleep(for: .seconds(365 * 24 * 3600))
            }
            do {
                try await group.next()
            } catch is CancellationError {}
            group.cancelAll()
        }
        logger.info("stopped", metadata: ["reconciles": "\(controller.reconcileResults)"])
    }

    private func campaignAndLead() async throws {
        guard let elector else { return try await lead() }
        try await elector.run {
            try await lead()
            // Drained after a graceful shutdown: stop campaigning, which releases the Lease.
            throw CancellationError()
        }
    }

    private func lead() async throws {
        leading.record(1)
        endpoints.leading.withLock { $0 = true }
        defer {
            leading.record(0)
            endpoints.leading.withLock { $0 = false }
        }
        try await controller.run()
    }
}
