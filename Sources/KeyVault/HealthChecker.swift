import Synchronization

/// A registry of named health checks run together with a deadline, like the Go package's
/// companion: `register("keyvault-cached") { try await client.health() }`.
public final class HealthChecker: Sendable {
    public typealias Check = @Sendable () async throws -> Void
    private let checks = Mutex<[(name: String, check: Check)]>([])
    private let timeout: Duration

    /// - Parameter timeout: how long one run may take; a check still running then is unhealthy.
    public init(timeout: Duration = .seconds(5)) {
        self.timeout = timeout
    }

    /// Adds a check; a check of the same name is replaced.
    public func register(_ name: String, _ check: @escaping Check) {
        checks.withLock { checks in
            checks.removeAll { $0.name == name }
            checks.append((name, check))
        }
    }

    /// Runs every check concurrently; each reports its latency, and failures their error.
    public func check() async -> HealthReport {
        let registered = checks.withLock { $0 }
        let timeout = self.timeout
        let results = await withTaskGroup(of: ComponentHealth.self) { group in
            for (name, check) in registered {
                group.addTask { await Self.run(name: name, check: check, timeout: timeout) }
            }
            var results: [ComponentHealth] = []
            for await result in group { results.append(result) }
            return results
        }
        let order = registered.map(\.name)
        return HealthReport(
            components: results.sorted { order.firstIndex(of: $0.name)! < order.firstIndex(of: $1.name)! })
    }

    private static func run(name: String, check: @escaping Check, timeout: Duration) async -> ComponentHealth {
        let started = ContinuousClock.now
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await check() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw KeyVaultError(
                        .connectionFailed, "the health check did not finish within \(timeout)", context: ["check": name]
                    )
                }
                try await group.next()
                group.cancelAll()
            }
            return ComponentHealth(name: name, healthy: true, latency: ContinuousClock.now - started)
        } catch {
            return ComponentHealth(
                name: name, healthy: false, latency: ContinuousClock.now - started, error: "\(error)")
        }
    }
}
