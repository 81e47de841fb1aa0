/// Latencies of one benchmark run and the figures printed from them.
struct Measurement: Encodable {
    let name: String
    let operations: Int
    let concurrency: Int
    let seconds: Double
    let p50Microseconds: Double
    let p99Microseconds: Double
    /// The calls' mean latency.
    let meanMicroseconds: Double

    var throughput: Double { Double(operations) / seconds }

    /// Runs `body` `count` times on `concurrency` tasks and records each call's latency.
    static func run(_ name: String, count: Int, concurrency: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Measurement {
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    var index = worker
                    while index < count {
                        let callStarted = ContinuousClock.now
                        try await body(index)
                        samples.append((ContinuousClock.now - callStarted).microseconds)
                        index += concurrency
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all.sorted()
        }
        let seconds = (ContinuousClock.now - started).microseconds / 1_000_000
        return Measurement(
            name: name, operations: count, concurrency: concurrency, seconds: seconds,
            p50Microseconds: latencies[latencies.count / 2], p99Microseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
            meanMicroseconds: latencies.reduce(0, +) / Double(latencies.count))
    }
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1_000_000 + Double(components.attoseconds) / 1_000_000_000_000
    }
}
