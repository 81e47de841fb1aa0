import BenchmarkSupport
import Foundation
import TestEnvironment

/// What an emulator was asked, read from its request counter (`/_emulator/requests`): the vault's
/// own view of a client's traffic, 429s and retries included.
struct VaultRequests: Sendable {
    struct Counts: Sendable {
        var reads = 0
        var writes = 0
        var total: Int { reads + writes }

        static func - (a: Counts, b: Counts) -> Counts { Counts(reads: a.reads - b.reads, writes: a.writes - b.writes) }
    }

    /// How a stretch of traffic went: totals and the busiest one-second window.
    struct Pass: Sendable {
        var counts: Counts
        var seconds: Double
        var peakPerSecond: Int
        var meanPerSecond: Double { Double(counts.total) / max(seconds, 0.001) }
    }

    let emulator: EmulatorRequests
    var url: String { emulator.url }

    init(url: String, caFile: String) throws {
        emulator = try EmulatorRequests(url: url, caFile: caFile)
    }

    /// GETs as reads; PUT, PATCH, POST and DELETE as writes (recover is a POST).
    func counts() async throws -> Counts {
        var counts = Counts(reads: try await count("GET"))
        for method in ["PUT", "PATCH", "POST", "DELETE"] { counts.writes += try await count(method) }
        return counts
    }

    /// Requests of one method, or for one secret when `secret` is given.
    func count(_ method: String, secret: String? = nil) async throws -> Int {
        try await emulator.count(method, secret: secret)
    }

    /// Samples the counts every 250 ms from now until traffic, once more than `startAfter`
    /// requests came, has been idle for `idleEnd` (or `timeout` passes).
    func watch(timeout: Duration, idleEnd: Duration = .seconds(3), startAfter: Int = 0) async throws -> Pass {
        let start = try await counts()
        let started = ContinuousClock.now
        var samples: [(ContinuousClock.Instant, Int)] = [(started, 0)]
        var seen = Counts()
        var lastChange = started
        while ContinuousClock.now - started < timeout {
            try await Task.sleep(for: .milliseconds(250))
            // A sample's time is the middle of its five reads, not their end: on a loaded machine the
            // reads take a while, and a window of samples a second apart then held more than a second.
            let before = ContinuousClock.now
            let now = try await counts() - start
            let sampled = before + (ContinuousClock.now - before) / 2
            if now.total != seen.total { lastChange = sampled }
            seen = now
            samples.append((sampled, seen.total))
            if seen.total > startAfter, ContinuousClock.now - lastChange >= idleEnd { break }
        }
        // The busiest window of one second (between samples about a second apart).
        var peak = 0
        for (index, sample) in samples.enumerated() {
            guard let later = samples[index...].first(where: { $0.0 - sample.0 >= .milliseconds(990) }) else { break }
            peak = max(peak, Int(Double(later.1 - sample.1) / Bench.seconds(later.0 - sample.0)))
        }
        return Pass(counts: seen, seconds: Bench.seconds(lastChange - started), peakPerSecond: peak)
    }

    /// Waits until more than `requests` came after `base` (a pass has begun).
    func waitForTraffic(above requests: Int, since base: Counts, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await (counts() - base).total <= requests, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
