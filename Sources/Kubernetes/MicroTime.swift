import Foundation

/// Kubernetes' `MicroTime` and `Time` text forms (RFC 3339, UTC).
enum KubernetesTime {
    /// `2006-01-02T15:04:05.000000Z`
    static func micro(_ date: Date) -> String {
        let whole = floor(date.timeIntervalSince1970)
        let micros = Int((date.timeIntervalSince1970 - whole) * 1_000_000)
        return seconds(Date(timeIntervalSince1970: whole)).dropLast() + String(format: ".%06dZ", micros)
    }

    /// `2006-01-02T15:04:05Z`
    static func seconds(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    /// Parses either form.
    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
