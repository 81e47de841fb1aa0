/// Whether `condition` holds within `timeout`, checked every `interval` (and once more at the end).
///
/// It returns as soon as the condition holds: the limit only turns a condition that never comes
/// true into a failure with a message instead of a hang, so the default is generous enough for a
/// machine loaded by the whole suite. Never use it to assert how fast something happens.
public func eventually(
    timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return try await condition()
}
