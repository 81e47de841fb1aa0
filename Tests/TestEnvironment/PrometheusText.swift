/// Samples read from a Prometheus text exposition (`/metrics`), for tests and benchmarks.
public enum PrometheusText {
    /// The value of one sample, given as printed (name with its labels), or `nil`.
    public static func value(_ text: String, _ sample: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap {
            Double($0.split(separator: " ").last ?? "")
        }
    }

    /// The sum of every sample of a metric (optionally only those whose labels contain `label`).
    public static func sum(_ text: String, _ name: String, containing label: String? = nil) -> Double {
        text.split(separator: "\n").filter { $0.hasPrefix(name + "{") && label.map($0.contains) ?? true }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
}
