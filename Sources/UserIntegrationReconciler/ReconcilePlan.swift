public import Foundation
public import KeyVault

/// What the vault holds for a resource's secret name, as the reconciler observed it.
public enum VaultObservation: Sendable, Hashable {
    case missing
    /// Soft-deleted: a write must recover it first. `owner` is its `owner` tag (whose it was).
    case deleted(owner: String?)
    /// Present; a disabled secret's tags are unknown (the vault refuses to read it).
    case present(Secret)
}

/// What the referenced Kubernetes Secret gave, for `secretRef` resources.
public enum SecretReferenceValue: Sendable, Hashable {
    case value(Data)
    case secretNotFound
    case keyNotFound
    /// The Secret lacks the opt-in label `--require-secret-label` asks for; its value is not used.
    case notAllowed
}

/// The secret the vault should hold for a `secretRef` resource.
public struct DesiredVaultSecret: Sendable, Hashable {
    public var name: String
    public var value: String
    public var expiresAt: Date?
    public var tags: [String: String]
}

/// The reconciler's decision for one resource: what to do to the vault, the status to write,
/// and when to look again. Pure data, computed by `ReconcilePlanner` without I/O.
public struct ReconcilePlan: Sendable, Hashable {
    public enum VaultAction: Sendable, Hashable {
        case none
        case write(DesiredVaultSecret)
        /// The name is soft-deleted: recover it, then write.
        case recoverAndWrite(DesiredVaultSecret)
    }

    public var vaultAction: VaultAction
    public var status: UserIntegration.Status
    /// When the state changes by itself (expiry).
    public var requeueAfter: Duration?
    /// An event worth recording, if any.
    public var event: PlanEvent?
}

/// What Redis should get after a reconcile. Each cache write is a key-invalidation notification
/// to every listener, so entries that are already right are left alone.
public enum CacheAction: Sendable, Hashable {
    /// Make the entries hold the vault's current secret (connected).
    case warm
    /// Remove the entries unconditionally (the moment a secret expires).
    case invalidate
    /// Remove entries that hold a value; a cached "not found" stays (not configured).
    case dropValue
    /// Leave Redis as it is (still expired; errors).
    case none
}

/// An event the plan asks to record; its note never holds a secret value.
public struct PlanEvent: Sendable, Hashable {
    public var reason: String
    public var note: String
    public var warning: Bool
}

// The value never shows in `description`, `debugDescription`, `dump` or any `Mirror`.
extension DesiredVaultSecret: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "DesiredVaultSecret(name: \(name), expiresAt: \(expiresAt as Any))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(
            self, children: ["name": name, "value": redactedMarker, "expiresAt": expiresAt as Any, "tags": tags],
            displayStyle: .struct)
    }
}
