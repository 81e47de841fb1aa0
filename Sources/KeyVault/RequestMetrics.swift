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
        let timer = timers.withLock { timers in
            if let timer = timers[operation] { return timer }
            let timer = Timer(
                label: "keyvault_request_duration_seconds", dimensions: [("operation", operation.rawValue)])
            timers[operation] = timer
            return timer
        }
        timer.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        let key = "\(operation.rawValue) \(status)"
        let counter = counters.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Counter(
                label: "keyvault_requests_total", dimensions: [("operation", operation.rawValue), ("code", status)])
            counters[key] = counter
            return counter
        }
        counter.increment()
    }
}
