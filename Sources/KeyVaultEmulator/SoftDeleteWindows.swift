import Synchronization

/// Real Key Vault finishes a delete or a recover asynchronously: for seconds after `DELETE`
/// answers, the deleted secret is not yet visible; after `recover` answers, the secret is not yet
/// readable; a `PUT` of the name meanwhile gets 409 `ObjectIsBeingDeleted` or
/// `ObjectIsBeingRecovered`, and still does for a while after the secret reads back (the tail).
/// With a delay of zero (the default) nothing of this happens.
final class SoftDeleteWindows: Sendable {
    enum Kind: Sendable { case deleting, recovering }

    private struct Window {
        var kind: Kind
        var completes: ContinuousClock.Instant
        var tailEnds: ContinuousClock.Instant
    }

    private let delay: Duration
    private let tail: Duration
    /// Whether deletes and recovers take time at all (when not, requests never look at `windows`).
    private var enabled: Bool { delay > .zero || tail > .zero }
    private let windows = Mutex<[String: Window]>([:])

    init(delay: Duration = .zero, tail: Duration = .zero) {
        self.delay = delay
        self.tail = tail
    }

    /// Starts the window of `kind` for `name`, as its operation has just answered.
    func begin(_ kind: Kind, _ name: String) {
        guard enabled else { return }
        let now = ContinuousClock.now
        windows.withLock {
            $0[name.lowercased()] = Window(kind: kind, completes: now + delay, tailEnds: now + delay + tail)
        }
    }

    /// The operation still under way for `name`, if any.
    func pending(_ name: String) -> Kind? {
        window(name).flatMap { ContinuousClock.now < $0.completes ? $0.kind : nil }
    }

    /// The 409 a write of `name` gets now: during the operation and its tail.
    func conflict(forWriteOf name: String) throws(AzureError) {
        guard let window = window(name), ContinuousClock.now < window.tailEnds else { return }
        switch window.kind {
        case .deleting: throw .beingDeleted(name)
        case .recovering: throw .beingRecovered(name)
        }
    }

    private func window(_ name: String) -> Window? {
        guard enabled else { return nil }
        return windows.withLock { windows in
            let key = name.lowercased()
            guard let window = windows[key] else { return nil }
            if ContinuousClock.now >= window.tailEnds {
                windows[key] = nil
                return nil
            }
            return window
        }
    }
}
