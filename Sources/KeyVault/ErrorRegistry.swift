import Synchronization

/// A registry of error codes, like the Go package's: components register their codes once, and
/// tools list or look them up (the operations runbook is generated from it).
public final class ErrorRegistry: Sendable {
    private let codes = Mutex<[String: ErrorCode]>([:])

    public init() {}

    /// Adds a code; registering the same code again is harmless.
    public func register(_ code: ErrorCode) {
        codes.withLock { $0[code.id] = code }
    }

    public func code(for id: String) -> ErrorCode? {
        codes.withLock { $0[id] }
    }

    /// Every registered code, ordered by identifier.
    public var all: [ErrorCode] {
        codes.withLock { Array($0.values) }.sorted { $0.id < $1.id }
    }
}

/// Registers every code of the KeyVault package into `registry`.
public func registerErrors(into registry: ErrorRegistry) {
    ErrorCode.all.forEach(registry.register)
}
