import Metrics
import Synchronization

/// `keyvault_requests_total{operation,code}` and `keyvault_request_duration_seconds{operation}`
/// of one client. Each handle is made once per operation (and code) when first used, as the
/// client's cache counters are made once: through the metrics factory at every request, each
/// cost a lookup and a label list.
final class RequestMetrics: Sendable {
    private let counters = Mutex<[String: Counter]>([:])
    private let timers = Mutex<[VaultOperation: Timer]>([:])

    func record(_ operation: VaultOperation, status: String, elapsed: Duration) {
        Self.handle(in: timers, for: operation) {
            Timer(label: "keyvault_request_duration_seconds", dimensions: [("operation", operation.rawValue)])
        }.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        Self.handle(in: counters, for: "\(operation.rawValue) \(status)") {
            Counter(
                label: "keyvault_requests_total", dimensions: [("operation", operation.rawValue), ("code", status)])
        }.increment()
    }

    /// The handle `handles` keeps for `key`, made by `make` the first time.
    private static func handle<Key: Hashable & Sendable, Handle: Sendable>(
        in handles: borrowing Mutex<[Key: Handle]>, for key: Key, make: () -> Handle
    ) -> Handle {
        handles.withLock { handles in
            if let handle = handles[key] { return handle }
            let handle = make()
            handles[key] = handle
            return handle
        }
    }
}
