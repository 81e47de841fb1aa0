public import Kubernetes

/// A cache a controller reads from and waits for before its workers start: an informer.
public protocol CacheSource: Sendable {
    /// Fills the cache and keeps it current until the task is cancelled.
    func run() async throws
    /// Returns once the cache holds its first complete list (or the task is cancelled).
    func waitUntilSynced() async
    /// Whether the cache holds its first complete list.
    var hasSynced: Bool { get }
}

extension Informer: CacheSource {}
