import Synchronization
import Testing

@testable import KeyVault

struct SingleFlightTests {
    @Test func concurrentCallsForOneKeyRunOnce() async throws {
        let flights = SingleFlight<Int>()
        let runs = RunCount()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    try await flights.run(key: "k") {
                        runs.count.withLock { $0 += 1 }
                        try await Task.sleep(for: .milliseconds(50))
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
