import Synchronization

/// An informer's cache: objects by `namespace/name`, with indexes by any function of an object.
///
/// Sized for tens of thousands of objects: each object is kept once, boxed (a dictionary that grew
/// holds up to twice as many buckets as objects, and a bucket is a pointer, not a 400-byte struct),
/// and an index value with one key holds it inline rather than in a `Set` of its own.
final class InformerStore<Object: KubernetesObject>: Sendable {
    typealias IndexFunction = @Sendable (Object) -> [String]

    private final class Box: Sendable {
        let object: Object
        init(_ object: Object) { self.object = object }
    }

    private struct State {
        var objects: [String: Box] = [:]
        var indices: [String: [String: IndexedKeys]] = [:]
    }
    private let state = Mutex(State())
    let indexers: [String: IndexFunction]

    init(indexers: [String: IndexFunction]) {
        self.indexers = indexers
    }

    static func key(_ object: Object) -> String {
        ObjectKey(object).description
    }

    /// Stores the object; returns the one it replaced.
    @discardableResult
    func upsert(_ object: Object) -> Object? {
        let key = Self.key(object)
        return state.withLock { state in
            guard let position = state.objects.index(forKey: key) else {
                state.objects[key] = Box(object)
                index(object, key: key, in: &state)
                return nil
            }
            // The indexes go on sharing the key the dictionary holds: a new copy per update
            // would be a second heap string per object (keys over 15 bytes are not inline).
            let storedKey = state.objects.keys[position]
            let old = state.objects.values[position].object
            state.objects.values[position] = Box(object)
            unindex(old, key: storedKey, in: &state)
            index(object, key: storedKey, in: &state)
            return old
        }
    }

    /// Removes the object with that key; returns it.
    @discardableResult
    func remove(key: String) -> Object? {
        state.withLock { state in
            guard let old = state.objects.removeValue(forKey: key)?.object else { return nil }
            unindex(old, key: key, in: &state)
            return old
        }
    }

    func get(key: String) -> Object? { state.withLock { $0.objects[key]?.object } }
    var all: [Object] { state.withLock { $0.objects.values.map(\.object) } }

    /// Calls `body` with each object of a snapshot taken at once, without holding the lock while it
    /// runs. The snapshot holds the boxes, not copies: `all` over 10,000 resources is a 4 MB array.
    func forEach(_ body: (Object) -> Void) {
        let boxes = state.withLock { Array($0.objects.values) }
        for box in boxes { body(box.object) }
    }
    var keys: Set<String> { state.withLock { Set($0.objects.keys) } }
    var count: Int { state.withLock { $0.objects.count } }

    func byIndex(_ name: String, _ value: String) -> [Object] {
        state.withLock { state in (state.indices[name]?[value]?.keys ?? []).compactMap { state.objects[$0]?.object } }
    }

    /// How many values an index holds (values whose objects are all gone are dropped).
    func indexedValueCount(_ name: String) -> Int { state.withLock { $0.indices[name]?.count ?? 0 } }

    private func index(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) {
                // Adds to the value's keys in place; a value not indexed yet starts with this one.
                if state.indices[name, default: [:]][value]?.insert(key) == nil {
                    state.indices[name, default: [:]][value] = .one(key)
                }
            }
        }
    }

    private func unindex(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) {
                if state.indices[name]?[value]?.remove(key) == true { state.indices[name]?[value] = nil }
            }
        }
    }
}

/// The keys one index value maps to: most values (a Secret's name, an integration) have one.
enum IndexedKeys: Sendable {
    case one(String)
    case many(Set<String>)

    var keys: [String] {
        switch self {
        case .one(let key): [key]
        case .many(let keys): Array(keys)
        }
    }

    mutating func insert(_ key: String) {
        switch self {
        case .one(let existing):
            if existing != key { self = .many([existing, key]) }
        case .many(var keys):
            self = .one("")  // `keys` is then the set's only reference: it grows in place.
            keys.insert(key)
            self = .many(keys)
        }
    }

    /// Removes `key`; returns whether no key is left.
    mutating func remove(_ key: String) -> Bool {
        switch self {
        case .one(let existing):
            return existing == key
        case .many(var keys):
            self = .one("")
            keys.remove(key)
            self = keys.count == 1 ? .one(keys.first ?? key) : .many(keys)
            return keys.isEmpty
        }
    }
}
