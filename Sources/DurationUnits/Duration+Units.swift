/// Conversions of `Duration` for logs, metrics and C APIs that take plain numbers.
extension Duration {
    /// Whole milliseconds, rounded down (clamped to `Int`).
    package var inMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }

    /// Whole milliseconds, rounded up: a positive duration never becomes 0, which C APIs (libcurl,
    /// hiredis, poll) read as "no limit" or "do not wait".
    package var inMillisecondsRoundedUp: Int {
        let (seconds, attoseconds) = components
        return Int(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }

    /// Seconds, with their fraction.
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
