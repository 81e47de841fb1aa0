import Testing

@testable import Kubernetes

/// Repeats within the window count on the first Event; the table stays bounded.
struct EventSeriesTableTests {
    let start = ContinuousClock.now

    @Test func aRepeatWithinTheWindowCountsOnTheFirstEvent() {
        let table = EventSeriesTable(window: .seconds(360))
        #expect(table.repeatOf("a", now: start) == nil)
        table.remember("a", name: "subject.1f", namespace: "ns", now: start)
        #expect(table.repeatOf("a", now: start + .seconds(10)) == .init(name: "subject.1f", namespace: "ns", count: 2))
        #expect(table.repeatOf("a", now: start + .seconds(20))?.count == 3)
        #expect(table.repeatOf("b", now: start + .seconds(20)) == nil)
    }

    @Test func aRepeatAfterTheWindowIsANewEvent() {
        let table = EventSeriesTable(window: .seconds(360))
        table.remember("a", name: "subject.1f", namespace: "ns", now: start)
        #expect(table.repeatOf("a", now: start + .seconds(361)) == nil)
    }

    @Test func aFullTableDropsExpiredEntriesFirst() {
        let table = EventSeriesTable(window: .seconds(60), capacity: 4)
        for index in 0..<3 { table.remember("old-\(index)", name: "e\(index)", namespace: "ns", now: start) }
        table.remember("recent", name: "r", namespace: "ns", now: start + .seconds(50))
        table.remember("new", name: "n", namespace: "ns", now: start + .seconds(70))
        #expect(table.count == 2)
        #expect(table.repeatOf("recent", now: start + .seconds(71)) != nil)
        #expect(table.repeatOf("new", now: start + .seconds(71)) != nil)
    }

    @Test func aFullTableOfCurrentEntriesDropsTheLeastRecentlySeen() {
        let table = EventSeriesTable(window: .seconds(600), capacity: 8)
        for index in 0..<8 {
            table.remember("k\(index)", name: "e\(index)", namespace: "ns", now: start + .seconds(index))
        }
        _ = table.repeatOf("k0", now: start + .seconds(20))  // seen again: now the most recent
        table.remember("k8", name: "e8", namespace: "ns", now: start + .seconds(21))
        #expect(table.count == 7)
        #expect(table.repeatOf("k0", now: start + .seconds(22)) != nil)
        #expect(table.repeatOf("k1", now: start + .seconds(22)) == nil)
        #expect(table.repeatOf("k2", now: start + .seconds(22)) == nil)
        #expect(table.repeatOf("k3", now: start + .seconds(22)) != nil)
        #expect(table.repeatOf("k8", now: start + .seconds(22)) != nil)
    }
}
