import Foundation
import Prometheus
import Synchronization

/// The standard `process_*` metrics, as Prometheus's client libraries export them, read from
/// `/proc/self` when `/metrics` is scraped: CPU seconds, resident and virtual memory, open and
/// maximum file descriptors, and the start time.
final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    private let residentBytes: Gauge
    private let virtualBytes: Gauge
    private let openDescriptors: Gauge
    private let maxDescriptors: Gauge
    private let startTime: Gauge
    /// CPU seconds already added to the counter.
    private let counted = Mutex(0.0)
    private static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
    private static let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

    init(registry: PrometheusCollectorRegistry) {
        cpuSeconds = registry.makeCounter(
            descriptor: .init(
                metricName: "process_cpu", unitName: "seconds_total",
                helpText: "Total user and system CPU time spent in seconds."))
        residentBytes = registry.makeGauge(
            descriptor: .init(
                metricName: "process_resident_memory", unitName: "bytes", helpText: "Resident memory size in bytes."))
        virtualBytes = registry.makeGauge(
            descriptor: .init(
                metricName: "process_virtual_memory", unitName: "bytes", helpText: "Virtual memory size in bytes."))
        openDescriptors = registry.makeGauge(
            descriptor: .init(metricName: "process_open", unitName: "fds", helpText: "Number of open file descriptors.")
        )
        maxDescriptors = registry.makeGauge(
            descriptor: .init(
                metricName: "process_max", unitName: "fds", helpText: "Maximum number of open file descriptors."))
        startTime = registry.makeGauge(
            descriptor: .init(
                metricName: "process_start_time", unitName: "seconds",
                helpText: "Start time of the process since unix epoch in seconds."))
        // Fixed for the process's life: read once, not at every scrape.
        if let start = Self.startTime() { startTime.set(start) }
    }

    /// Reads `/proc/self` into the metrics (before each scrape); a field that cannot be read keeps its last value.
    func update() {
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let fields = stat.split(separator: ")").last?.split(separator: " ")
        {
            // After the command: state is field 3, so utime 14 and stime 15 are at 11 and 12,
            // vsize 23 at 20 and rss 24 at 21.
            func field(_ index: Int) -> Double? { index < fields.count ? Double(fields[index]) : nil }
            if let user = field(11), let system = field(12) {
                let total = (user + system) / Self.ticksPerSecond
                let delta = counted.withLock { counted in
                    defer { counted = max(counted, total) }
                    return total - counted
                }
                if delta > 0 { cpuSeconds.increment(by: delta) }
            }
            if let vsize = field(20) { virtualBytes.set(vsize) }
            if let pages = field(21) { residentBytes.set(pages * Self.pageSize) }
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openDescriptors.set(Double(descriptors.count))
        }
        var limit = rlimit()
        if getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            maxDescriptors.set(Double(limit.rlim_cur))
        }
    }

    /// When the process started, in Unix seconds: the boot time (`btime` in `/proc/stat`) plus
    /// the start tick in `/proc/self/stat` (field 22).
    private static func startTime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let boot = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }).flatMap({
                Double($0.dropFirst(6))
            }),
            let own = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let fields = own.split(separator: ")").last?.split(separator: " "), fields.count > 19,
            let ticks = Double(fields[19])
        else { return nil }
        return boot + ticks / ticksPerSecond
    }
}
