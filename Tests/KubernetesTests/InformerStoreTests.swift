import Testing

@testable import Kubernetes

/// The informer's cache and its indexes, without a server.
struct InformerStoreTests {
    static func store() -> InformerStore<ConfigMap> {
        InformerStore(indexers: ["secret": { $0.data?["secret"].map { [$0] } ?? [] }])
    }

    static func object(_ name: String, secret: String?) -> ConfigMap {
        ConfigMap(metadata: .init(name: name, namespace: "ns"), data: secret.map { ["secret": $0] })
    }

    @Test func forEachVisitsASnapshotAndTheStoreStaysWritableMeanwhile() {
        let store = Self.store()
        for name in ["a", "b", "c"] { store.upsert(Self.object(name, secret: "s1")) }
        var visited: [String] = []
        store.forEach { object in
            visited.append(object.metadata.name ?? "")
            // The lock is not held while the body runs; later writes do not change the snapshot.
            store.upsert(Self.object("added-\(object.metadata.name ?? "")", secret: "s2"))
            store.remove(key: "ns/c")
        }
        #expect(visited.sorted() == ["a", "b", "c"])
        #expect(store.count == 5)
    }

    @Test func indexesFollowUpsertsAndRemovalsAndDropValuesLeftWithoutObjects() {
        let store = Self.store()
        store.upsert(Self.object("a", secret: "s1"))
        store.upsert(Self.object("b", secret: "s1"))
        store.upsert(Self.object("c", secret: "s2"))
        #expect(Set(store.byIndex("secret", "s1").compactMap(\.metadata.name)) == ["a", "b"])
        #expect(store.byIndex("secret", "s2").compactMap(\.metadata.name) == ["c"])

        // An update that moves an object to another value takes it out of the old one.
        let replaced = store.upsert(Self.object("b", secret: "s2"))
        #expect(replaced?.data?["secret"] == "s1")
        #expect(store.byIndex("secret", "s1").compactMap(\.metadata.name) == ["a"])
        #expect(Set(store.byIndex("secret", "s2").compactMap(\.metadata.name)) == ["b", "c"])
        // The same object stored again is indexed once.
        store.upsert(Self.object("c", secret: "s2"))
        #expect(store.byIndex("secret", "s2").count == 2)

        store.remove(key: "ns/a")
        #expect(store.byIndex("secret", "s1").isEmpty)
        store.remove(key: "ns/b")
        store.remove(key: "ns/c")
        #expect(store.count == 0)
        // Churn leaves nothing behind: values whose objects are gone are dropped.
        #expect(store.indexedValueCount("secret") == 0)
        #expect(store.remove(key: "ns/c") == nil)
    }

    @Test func manyObjectsOnOneValueStayIndexed() {
        let store = Self.store()
        for index in 0..<1_000 { store.upsert(Self.object("o\(index)", secret: "shared")) }
        #expect(store.byIndex("secret", "shared").count == 1_000)
        for index in 0..<999 { store.remove(key: "ns/o\(index)") }
        #expect(store.byIndex("secret", "shared").compactMap(\.metadata.name) == ["o999"])
        #expect(store.all.count == 1)
        #expect(store.get(key: "ns/o999")?.metadata.name == "o999")
    }
}
