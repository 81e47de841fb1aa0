import Synchronization
import TestEnvironment
import Testing

@testable import KeyVault

struct SingleFlightTests {
    @Test func concurrentCallsForOneKeyRunOnce() async throws {
        let flights = SingleFlight<Int>()
        let runs = RunCount()
        let arrived = RunCount()
        // Taken before any call, as a cache read takes it: a caller that reaches `run` in the instant
        // between the call's end and its own arrival reuses the result instead of calling again.
        let ticket = flights.ticket()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    arrived.count.withLock { $0 += 1 }
                    return try await flights.run(key: "k", since: ticket) {
                        runs.count.withLock { $0 += 1 }
                        // The call lasts until every caller has come, however slowly a loaded
                        // machine starts them (a fixed 50 ms was not always enough).
                        _ = try await eventually(timeout: .seconds(60), every: .milliseconds(1)) {
                            arrived.count.withLock { $0 } == 50
                        }
                        return 7
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 7, count: 50))
        #expect(runs.count.withLock { $0 } == 1)
    }

    @Test func aCallCompletedAfterTheTicketIsReusedAndOneBeforeItIsNot() async throws {
        let flights = SingleFlight<Int>()
        let ticket = flights.ticket()
        _ = try await flights.run(key: "k") { 1 }
        #expect(try await flights.run(key: "k", since: ticket) { 2 } == 1)
        #expect(try await flights.run(key: "k", since: flights.ticket()) { 3 } == 3)
    }

    @Test func forgottenAndManyOtherKeysLeaveTheRightResults() async throws {
        let flights = SingleFlight<Int>()
        let ticket = flights.ticket()
        for index in 0..<2_000 { _ = try await flights.run(key: "k\(index)") { index } }
        flights.forget("k5")
        #expect(try await flights.run(key: "k5", since: ticket) { -1 } == -1)
        #expect(try await flights.run(key: "k1999", since: ticket) { -1 } == 1999)
    }
}

private final class RunCount: Sendable {
    let count = Mutex(0)
}
