/// Exponential backoff with jitter for throttled, failed and unreachable requests, honouring the
/// server's `Retry-After`, bounded by the operation's deadline.
public struct RetryPolicy: Sendable, Hashable {
    /// The first delay; each next one doubles, up to `maximumBackoff`.
    public var initialBackoff: Duration
    public var maximumBackoff: Duration
    /// The most attempts, the first one included.
    public var maximumAttempts: Int

    public init(
        initialBackoff: Duration = .milliseconds(500), maximumBackoff: Duration = .seconds(16), maximumAttempts: Int = 8
    ) {
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
        self.maximumAttempts = maximumAttempts
    }

    /// The delay before attempt `attempt + 1` (attempt counts from 1), or `nil` to give up.
    ///
    /// - Parameters:
    ///   - retryAfter: seconds the server asked for; used as is, without jitter.
    ///   - remaining: time left before the deadline; a delay that would not fit gives up.
    ///   - random: a number in 0..<1 for the jitter (±50 % of the exponential delay).
    public func delay(afterAttempt attempt: Int, retryAfter: Double?, remaining: Duration, random: Double) -> Duration?
    {
        guard attempt < maximumAttempts else { return nil }
        let delay: Duration
        if let retryAfter {
            delay = .milliseconds(Int(retryAfter * 1000))
        } else {
            let exponential = min(initialBackoff * (1 << min(attempt - 1, 20)), maximumBackoff)
            delay = exponential * (0.5 + random)
        }
        return delay < remaining ? delay : nil
    }
}
