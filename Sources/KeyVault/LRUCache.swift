/// A map of at most `capacity` entries that drops the least recently used one to make room, and
/// whose entries also expire. Every operation is O(1): a dictionary from key to slot, and the
/// slots in an array linked most recent first by index.
struct LRUCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        var expires: ContinuousClock.Instant
        /// The neighbours towards the most recent (`previous`) and the least recent end; -1 at an end.
        var previous: Int
        var next: Int
    }

    let capacity: Int
    private var slots: [Slot] = []
    private var index: [Key: Int] = [:]
    private var mostRecent = -1
    private var leastRecent = -1

    init(capacity: Int) {
        precondition(capacity > 0, "an LRU cache holds at least one entry")
        self.capacity = capacity
        slots.reserveCapacity(capacity)
        index.reserveCapacity(capacity)
    }

    var count: Int { slots.count }

    /// The value, now the most recently used; `nil` when absent or expired at `now` (then removed).
    mutating func value(forKey key: Key, now: ContinuousClock.Instant) -> Value? {
        guard let slot = index[key] else { return nil }
        guard now < slots[slot].expires else {
            remove(slot: slot)
            return nil
        }
        moveToFront(slot)
        return slots[slot].value
    }

    /// Stores `value` as the most recently used entry until `expires`, dropping the least
    /// recently used entry when full.
    mutating func set(_ value: Value, forKey key: Key, expires: ContinuousClock.Instant) {
        if let slot = index[key] {
            slots[slot].value = value
            slots[slot].expires = expires
            moveToFront(slot)
            return
        }
        if slots.count == capacity { remove(slot: leastRecent) }
        slots.append(Slot(key: key, value: value, expires: expires, previous: -1, next: -1))
        index[key] = slots.count - 1
        linkAtFront(slots.count - 1)
    }

    mutating func removeValue(forKey key: Key) {
        if let slot = index[key] { remove(slot: slot) }
    }

    mutating func removeAll() {
        slots.removeAll(keepingCapacity: true)
        index.removeAll(keepingCapacity: true)
        mostRecent = -1
        leastRecent = -1
    }

    /// Unlinks `slot` and fills its place with the last slot, so the array stays dense.
    private mutating func remove(slot: Int) {
        unlink(slot)
        index.removeValue(forKey: slots[slot].key)
        let last = slots.count - 1
        if slot != last {
            slots.swapAt(slot, last)
            index[slots[slot].key] = slot
            let moved = slots[slot]
            if moved.previous >= 0 { slots[moved.previous].next = slot } else { mostRecent = slot }
            if moved.next >= 0 { slots[moved.next].previous = slot } else { leastRecent = slot }
        }
        slots.removeLast()
    }

    private mutating func moveToFront(_ slot: Int) {
        guard slot != mostRecent else { return }
        unlink(slot)
        linkAtFront(slot)
    }

    private mutating func unlink(_ slot: Int) {
        let (previous, next) = (slots[slot].previous, slots[slot].next)
        if previous >= 0 { slots[previous].next = next } else { mostRecent = next }
        if next >= 0 { slots[next].previous = previous } else { leastRecent = previous }
    }

    private mutating func linkAtFront(_ slot: Int) {
        slots[slot].previous = -1
        slots[slot].next = mostRecent
        if mostRecent >= 0 { slots[mostRecent].previous = slot } else { leastRecent = slot }
        mostRecent = slot
    }
}
