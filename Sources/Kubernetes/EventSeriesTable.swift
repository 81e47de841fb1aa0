import Synchronization

/// The Events an `EventRecorder` created recently, by what makes an event a repeat, so that a
/// repeat within the window becomes a count on the first one. Bounded, as client-go's correlator
/// (an LRU of 4,096): an entry is dropped once its window has passed, and when the table is full
/// the least recently seen quarter goes. Without the bound, an operator that recorded one event per
/// resource would keep an entry per resource for as long as it runs.
final class EventSeriesTable: Sendable {
    struct Entry: Sendable, Equatable {
        var name: String
        var namespace: String
        var count: Int
    }

    private let entries = Mutex<[String: (entry: Entry, last: ContinuousClock.Instant)]>([:])
    let window: Duration
    let capacity: Int

    init(window: Duration, capacity: Int = 4096) {
        self.window = window
        self.capacity = capacity
    }

    var count: Int { entries.withLock { $0.count } }

    /// The event `key` repeats, with its count raised by `times`, or nil when there is none
    /// within the window.
    func repeatOf(_ key: String, times: Int = 1, now: ContinuousClock.Instant = .now) -> Entry? {
        entries.withLock { entries in
            guard var found = entries[key], now - found.last < window else { return nil }
            found.entry.count += times
            found.last = now
            entries[key] = found
            return found.entry
        }
    }

    /// Notes the Event just created for `key`.
    func remember(_ key: String, name: String, namespace: String, count: Int = 1, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries[key] == nil, entries.count >= capacity {
                entries = entries.filter { now - $0.value.last < window }
                if entries.count >= capacity {
                    let oldest = entries.sorted { $0.value.last < $1.value.last }.prefix(max(1, capacity / 4))
                    for (key, _) in oldest { entries[key] = nil }
                }
            }
            entries[key] = (Entry(name: name, namespace: namespace, count: count), now)
        }
    }
}
