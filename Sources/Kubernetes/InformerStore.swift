import Synchronization

/// An informer's cache: objects by `namespace/name`, with indexes by any function of an object.
final class InformerStore<Object: KubernetesObject>: Sendable {
    typealias IndexFunction = @Sendable (Object) -> [String]
    private struct State {
        var objects: [String: Object] = [:]
        var indices: [String: [String: Set<String>]] = [:]
    }
    private let state = Mutex(State())
    let indexers: [String: IndexFunction]

    init(indexers: [String: IndexFunction]) {
        self.indexers = indexers
    }

    static func key(_ object: Object) -> String {
        "\(object.metadata.namespace ?? "")/\(object.metadata.name ?? "")"
    }

    /// Stores the object; returns the one it replaced.
    @discardableResult
    func upsert(_ object: Object) -> Object? {
        let key = Self.key(object)
        return state.withLock { state in
            let old = state.objects.updateValue(object, forKey: key)
            if let old { unindex(old, key: key, in: &state) }
            index(object, key: key, in: &state)
            return old
        }
    }

    /// Removes the object with that key; returns it.
    @discardableResult
    func remove(key: String) -> Object? {
        state.withLock { state in
            guard let old = state.objects.removeValue(forKey: key) else { return nil }
            unindex(old, key: key, in: &state)
            return old
        }
    }

    func get(key: String) -> Object? { state.withLock { $0.objects[key] } }
    var all: [Object] { state.withLock { Array($0.objects.values) } }
    var keys: Set<String> { state.withLock { Set($0.objects.keys) } }
    var count: Int { state.withLock { $0.objects.count } }

    func byIndex(_ name: String, _ value: String) -> [Object] {
        state.withLock { state in (state.indices[name]?[value] ?? []).compactMap { state.objects[$0] } }
    }

    private func index(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) { state.indices[name, default: [:]][value, default: []].insert(key) }
        }
    }

    private func unindex(_ object: Object, key: String, in state: inout State) {
        for (name, function) in indexers {
            for value in function(object) { state.indices[name]?[value]?.remove(key) }
        }
    }
}
