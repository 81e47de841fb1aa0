import Testing

@testable import UserIntegrationReconciler

/// Equal values come back as one shared buffer, and the table stays bounded.
struct InternerTests {
    static func address<Element>(_ array: [Element]) -> UnsafeRawPointer? {
        array.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func equalArraysShareOneBuffer() {
        let interner = Interner<[String]>()
        let first = interner.intern(["integrations.keyvault.dev/finalizer", "other"])
        let second = interner.intern(["integrations.keyvault.dev/finalizer"] + ["other"])
        #expect(second == first)
        #expect(Self.address(second) == Self.address(first))
        #expect(Self.address(interner.intern(["different"])) != Self.address(first))
    }

    @Test func pastItsCapacityItStartsAfreshAndStaysCorrect() {
        let interner = Interner<[String]>(capacity: 2)
        let kept = interner.intern(["a"])
        _ = interner.intern(["b"])
        _ = interner.intern(["c"])  // full: the table starts again with ["c"]
        let again = interner.intern(["a"])
        #expect(again == kept)
        #expect(Self.address(again) != Self.address(kept), "a value interned before the reset is not shared any more")
        #expect(Self.address(interner.intern(["a"])) == Self.address(again))
    }
}
