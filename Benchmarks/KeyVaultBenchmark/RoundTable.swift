import Foundation

/// Every case's measurement in every round. Figures are the median over the rounds, and a ratio
/// is the median of the per-round ratios: both sides of a ratio ran in the same round, moments
/// apart, so a burst of noise on the shared machine hits them alike.
struct RoundTable {
    struct Case: Hashable {
        let name: String
        let concurrency: Int
    }

    /// A case over all rounds, as printed and written to JSON.
    struct Summary: Encodable {
        let name: String
        let concurrency: Int
        let operationsPerRound: Int
        let medianThroughput: Double
        let medianP50Microseconds: Double
        let medianP99Microseconds: Double
        let medianMeanMicroseconds: Double
        /// Each round's p50, to show the noise.
        let roundP50Microseconds: [Double]
    }

    /// One ratio with its target.
    struct Ratio: Encodable {
        let name: String
        let median: Double
        let rounds: [Double]
        /// `nil` for a figure printed for context.
        let target: String?
        let met: Bool?
    }

    private(set) var order: [Case] = []
    private var rounds: [Case: [Measurement]] = [:]
    private(set) var ratios: [Ratio] = []

    mutating func add(_ measurement: Measurement) {
        let key = Case(name: measurement.name, concurrency: measurement.concurrency)
        if rounds[key] == nil { order.append(key) }
        rounds[key, default: []].append(measurement)
    }

    func measurements(_ name: String, _ concurrency: Int) -> [Measurement] {
        rounds[Case(name: name, concurrency: concurrency)] ?? []
    }

    var summaries: [Summary] {
        order.map { key in
            let runs = rounds[key] ?? []
            return Summary(
                name: key.name, concurrency: key.concurrency, operationsPerRound: runs.first?.operations ?? 0,
                medianThroughput: Self.median(runs.map(\.throughput)),
                medianP50Microseconds: Self.median(runs.map(\.p50Microseconds)),
                medianP99Microseconds: Self.median(runs.map(\.p99Microseconds)),
                medianMeanMicroseconds: Self.median(runs.map(\.meanMicroseconds)),
                roundP50Microseconds: runs.map(\.p50Microseconds))
        }
    }

    /// Adds the ratio `figure(ours) / figure(reference)` per round; `atMost` or `atLeast` sets a target.
    mutating func ratio(
        _ name: String, _ ours: (String, Int), over reference: (String, Int), figure: (Measurement) -> Double,
        atMost: Double? = nil, atLeast: Double? = nil
    ) {
        let values = zip(measurements(ours.0, ours.1), measurements(reference.0, reference.1)).map {
            figure($0) / figure($1)
        }
        let median = Self.median(values)
        let target = atMost.map { "<= \($0)" } ?? atLeast.map { ">= \($0)" }
        let met = atMost.map { median <= $0 } ?? atLeast.map { median >= $0 }
        ratios.append(Ratio(name: name, median: median, rounds: values, target: target, met: met))
    }

    func printTable() {
        print("operation                              callers   ops/s     p50 µs    p99 µs   mean µs   p50 per round")
        for summary in summaries {
            let perRound = summary.roundP50Microseconds.map { String(format: "%.0f", $0) }.joined(separator: " ")
            print(
                summary.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                    + String(
                        format: " %7d %8.0f %9.1f %9.1f %9.1f   ", summary.concurrency, summary.medianThroughput,
                        summary.medianP50Microseconds,
                        summary.medianP99Microseconds, summary.medianMeanMicroseconds) + perRound)
        }
        print(
            "\nratio (median of the per-round ratios)                                  median  target   met   per round"
        )
        for ratio in ratios {
            let perRound = ratio.rounds.map { String(format: "%.2f", $0) }.joined(separator: " ")
            let met = ratio.met.map { $0 ? "yes" : "NO" } ?? ""
            print(
                ratio.name.padding(toLength: 70, withPad: " ", startingAt: 0) + String(format: " %7.3f", ratio.median)
                    + "  "
                    + (ratio.target ?? "").padding(toLength: 8, withPad: " ", startingAt: 0)
                    + met.padding(toLength: 6, withPad: " ", startingAt: 0) + perRound)
        }
    }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
