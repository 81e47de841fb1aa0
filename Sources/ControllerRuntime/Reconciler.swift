public import Kubernetes
public import Logging

/// The domain half of a controller: brings one object to its desired state. The `Controller`
/// calls it for each queued key, one worker per key at a time.
public protocol Reconciler: Sendable {
    /// Reconciles the object `key` names (which may be gone). A thrown error retries the key
    /// with backoff; a result may ask for another look later.
    func reconcile(_ key: ObjectKey) async throws -> ReconcileResult

    /// How loudly the controller logs a failure of this reconciler (`.warning` unless it says).
    func logLevel(for error: any Error) -> Logger.Level
}

extension Reconciler {
    public func logLevel(for error: any Error) -> Logger.Level { .warning }
}

/// What a successful reconcile asks of the controller.
public struct ReconcileResult: Sendable, Hashable {
    /// Look at the object again after this long (e.g. when it expires), whatever else happens.
    public var requeueAfter: Duration?

    public init(requeueAfter: Duration? = nil) {
        self.requeueAfter = requeueAfter
    }

    /// Nothing more to do until the object or something it depends on changes.
    public static let done = ReconcileResult()
}
