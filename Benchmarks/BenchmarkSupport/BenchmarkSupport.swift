import DurationUnits
import Foundation

/// Helpers the benchmark commands share: bounded parallelism, elapsed seconds, process memory
/// and CPU from /proc, and percentiles.
public enum Bench {
    /// Runs `body` for 0..<count on `workers` concurrent tasks.
    public static func parallel(
        _ count: Int, workers: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<workers {
                group.addTask { for index in stride(from: worker, to: count, by: workers) { try await body(index) } }
            }
            try await group.waitForAll()
        }
    }

    public static func seconds(since start: ContinuousClock.Instant) -> Double {
        seconds(ContinuousClock.now - start)
    }

    public static func seconds(_ duration: Duration) -> Double {
        duration.inSeconds
    }

    /// A `/proc/PID/status` field in KiB (`VmRSS`, `VmHWM`); `self` for this process.
    public static func statusKiB(_ field: String, pid: String = "self") -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
    }

    /// User plus system CPU seconds of a process so far.
    public static func cpuSeconds(pid: String) -> Double {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // Fields after the command name, which is in parentheses and may hold spaces.
        let fields = text.split(separator: ")").last?.split(separator: " ") ?? []
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The `p`-th percentile (0…100) of `values`, nearest rank.
    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
