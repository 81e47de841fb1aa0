import KeyVault

/// The vault's and Redis's health as the endpoints report it: one check in flight at a time, its
/// result reused while fresh, so however often probes and scrapes ask, the vault sees at most one
/// health call per `freshness` from this replica (and that call takes its turn of the budget).
actor DependencyHealth {
    private let check: @Sendable () async -> HealthReport
    private let freshness: Duration
    private var last: (report: HealthReport, at: ContinuousClock.Instant)?
    private var inFlight: Task<HealthReport, Never>?

    init(freshness: Duration = .seconds(5), check: @escaping @Sendable () async -> HealthReport) {
        self.freshness = freshness
        self.check = check
    }

    /// The latest report: the cached one while fresh, else the one in flight, else a new check.
    func report() async -> HealthReport {
        if let last, ContinuousClock.now - last.at < freshness { return last.report }
        if let inFlight { return await inFlight.value }
        let task = Task { await check() }
        inFlight = task
        let report = await task.value
        last = (report, .now)
        inFlight = nil
        return report
    }
}
