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
    static func run(
        _ name: String, count: Int, concurrency: Int, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws -> Measurement {
        let started = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var samples: [Double] = []
                    var index = worker
                    while index < count {
                        samples.append(try await latency(of: body, index))
                        index += concurrency
                    }
                    return samples
                }
            }
            var all: [Double] = []
            for try await samples in group { all += samples }
            return all
        }
        return Measurement(
            name, concurrency: concurrency, seconds: (ContinuousClock.now - started).microseconds / 1_000_000,
            latencies: latencies)
    }

    /// Runs `first` and `second` by turns, `count` times each, from one caller: each call of one
    /// follows a call of the other, so both meet the servers in the same state. (Called back to
    /// back, a command follows the last one's reply within a microsecond or two, while its server
    /// is still awake: on this kind of machine a raw GET takes 22 µs so, and 38 µs when the
    /// caller spends 5 µs between GETs.)
    static func interleaved(
        count: Int, _ first: (name: String, body: @Sendable (Int) async throws -> Void),
        _ second: (name: String, body: @Sendable (Int) async throws -> Void)
    ) async throws -> (Measurement, Measurement) {
        var firstLatencies: [Double] = []
        var secondLatencies: [Double] = []
        var seconds = (first: 0.0, second: 0.0)
        for index in 0..<count {
            let one = try await latency(of: first.body, index)
            let other = try await latency(of: second.body, index)
            firstLatencies.append(one)
            secondLatencies.append(other)
            seconds.first += one / 1_000_000
            seconds.second += other / 1_000_000
        }
        return (
            Measurement(first.name, concurrency: 1, seconds: seconds.first, latencies: firstLatencies),
            Measurement(second.name, concurrency: 1, seconds: seconds.second, latencies: secondLatencies)
        )
    }

    private static func latency(of body: @Sendable (Int) async throws -> Void, _ index: Int) async throws -> Double {
        let started = ContinuousClock.now
        try await body(index)
        return (ContinuousClock.now - started).microseconds
    }
}

extension Measurement {
    /// The figures of `latencies` (µs).
    fileprivate init(_ name: String, concurrency: Int, seconds: Double, latencies unsorted: [Double]) {
        let latencies = unsorted.sorted()
        self.init(
            name: name, operations: latencies.count, concurrency: concurrency, seconds: seconds,
            p50Microseconds: latencies[latencies.count / 2],
            p99Microseconds: latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
            meanMicroseconds: latencies.reduce(0, +) / Double(latencies.count))
    }
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1_000_000 + Double(components.attoseconds) / 1_000_000_000_000
    }
}
