import TestEnvironment

/// What the operator has done so far, from its `/metrics`: for tests that wait until it has had
/// its chance at something, rather than for a fixed time that a loaded machine can outlast.
extension OperatorHarness {
    /// Reconciles finished so far, whatever their outcome (`controller_runtime_reconcile_total`).
    func reconciles() async throws -> Double {
        PrometheusText.sum(try await endpoint("/metrics").body, "controller_runtime_reconcile_total")
    }

    /// Reconciles that ended in an error so far.
    func failedReconciles() async throws -> Double {
        try await metric(#"controller_runtime_reconcile_total{controller="userintegration",result="error"}"#) ?? 0
    }

    /// Whether `count` more reconciles than `baseline` finish; it returns as soon as they have, and
    /// its limit only keeps an operator that stopped reconciling from hanging the test.
    func waitForReconciles(
        _ count: Double, after baseline: Double, timeout: Duration = .seconds(120)
    ) async throws -> Bool {
        try await eventually(timeout: timeout, every: .milliseconds(100)) { try await reconciles() >= baseline + count }
    }
}
