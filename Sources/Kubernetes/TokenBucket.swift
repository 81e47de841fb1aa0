import DurationUnits
import Synchronization

/// A client-side rate limit: `qps` tokens a second, up to `burst` saved. Pure arithmetic over an
/// injected clock reading, so it is tested without waiting.
public final class TokenBucket: Sendable {
    private struct State {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    public let qps: Double
    public let burst: Int
    private let state: Mutex<State>

    public init(qps: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.qps = qps
        self.burst = max(1, burst)
        state = Mutex(State(tokens: Double(max(1, burst)), updated: now))
    }

    /// Takes a token and returns how long the caller must wait before using it (zero when one was saved).
    public func reserve(now: ContinuousClock.Instant = .now) -> Duration {
        state.withLock { state in
            let elapsed = now - state.updated
            let seconds = elapsed.inSeconds
            state.tokens = min(Double(burst), state.tokens + max(0, seconds) * qps)
            state.updated = max(now, state.updated)
            state.tokens -= 1
            guard state.tokens < 0 else { return .zero }
            return .milliseconds(Int((-state.tokens / qps * 1000).rounded(.up)))
        }
    }

    /// Waits for a token.
    public func acquire() async throws {
        let wait = reserve()
        if wait > .zero { try await Task.sleep(for: wait) }
    }
}
