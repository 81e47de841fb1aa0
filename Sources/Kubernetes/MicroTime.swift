import Foundation

/// Kubernetes' `MicroTime` and `Time` text forms (RFC 3339, UTC), with Foundation's format styles
/// (microseconds each; an `ISO8601DateFormatter` costs hundreds).
enum KubernetesTime {
    /// `2006-01-02T15:04:05.000000Z`
    static func micro(_ date: Date) -> String {
        let whole = floor(date.timeIntervalSince1970)
        let micros = String(Int((date.timeIntervalSince1970 - whole) * 1_000_000))
        return seconds(Date(timeIntervalSince1970: whole)).dropLast() + "."
            + String(repeating: "0", count: max(0, 6 - micros.count)) + micros + "Z"
    }

    /// `2006-01-02T15:04:05Z`
    static func seconds(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// Parses either form.
    static func parse(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle(includingFractionalSeconds: text.contains(".")).parse(text)
    }
}
