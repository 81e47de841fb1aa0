import Synchronization

/// Hands out one shared copy of equal values (strings, arrays), so that thousands of cached
/// objects holding the same condition list or finalizer share one buffer instead of a copy each.
/// Bounded: past `capacity` distinct values it starts afresh (values handed out stay valid).
final class Interner<Value: Hashable & Sendable>: Sendable {
    private let values = Mutex<Set<Value>>([])
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func intern(_ value: Value) -> Value {
        values.withLock { values in
            if values.count >= capacity, !values.contains(value) { values.removeAll(keepingCapacity: true) }
            return values.insert(value).memberAfterInsert
        }
    }
}
