public import KeyVault
public import Kubernetes

/// The `UserIntegration` custom resource, a fixed contract (docs/crd-reference.md).
public struct UserIntegration: KubernetesObject, Hashable {
    public struct SecretReference: Codable, Sendable, Hashable {
        public var name: String
        public var key: String

        public init(name: String, key: String) {
            self.name = name
            self.key = key
        }
    }

    public enum DeletionPolicy: String, Codable, Sendable, Hashable {
        case delete = "Delete", retain = "Retain"
    }

    public struct Spec: Codable, Sendable, Hashable {
        public var userId: String
        public var type: String
        public var secretRef: SecretReference?
        /// RFC 3339.
        public var expiresAt: String?
        public var deletionPolicy: DeletionPolicy?

        public init(
            userId: String, type: String, secretRef: SecretReference? = nil, expiresAt: String? = nil,
            deletionPolicy: DeletionPolicy? = nil
        ) {
            self.userId = userId
            self.type = type
            self.secretRef = secretRef
            self.expiresAt = expiresAt
            self.deletionPolicy = deletionPolicy
        }
    }

    /// `status.state`, as `kubectl get userintegrations` shows it.
    public enum State: String, Codable, Sendable, Hashable {
        /// The vault secret exists, is enabled and has not expired.
        case connected
        /// No vault secret, or the referenced Secret or key is missing.
        case notConfigured = "not_configured"
        case expired
        /// The last attempt failed for another reason (the conditions say which).
        case error

        /// The state of an integration the library reports.
        public init(_ status: Integration.Status) {
            switch status {
            case .connected: self = .connected
            case .notConfigured: self = .notConfigured
            case .expired: self = .expired
            }
        }
    }

    public struct Status: Codable, Sendable, Hashable {
        public var state: State?
        public var maskedKey: String?
        public var vaultSecretName: String?
        public var vaultSecretVersion: String?
        public var expiresAt: String?
        public var lastSyncTime: String?
        public var observedGeneration: Int?
        public var conditions: [Condition]?

        public init() {}
    }

    public static let resource = ResourceType(
        group: "integrations.keyvault.dev", version: "v1alpha1", plural: "userintegrations")
    public static let finalizer = "integrations.keyvault.dev/finalizer"
    /// `"true"`: the resource may take over a vault secret no resource owns (untagged, or
    /// soft-deleted by another owner). A disabled one is never taken over.
    public static let adoptAnnotation = "integrations.keyvault.dev/adopt"
    /// Any new value (a timestamp, say) reconciles the resource at once, re-reading the vault and
    /// Redis; no other annotation change reconciles.
    public static let forceSyncAnnotation = "integrations.keyvault.dev/force-sync"
    /// On a Namespace: the user IDs its resources may name, comma-separated glob patterns.
    public static let allowedUsersAnnotation = "integrations.keyvault.dev/allowed-users"
    /// On a Secret: `"true"` lets resources push it into the vault (`--require-secret-label`).
    public static let allowPushLabel = "integrations.keyvault.dev/allow-push"

    /// Whether the resource asks to adopt a vault secret no resource owns.
    public var adopts: Bool { metadata.annotations?[Self.adoptAnnotation] == "true" }
    /// The value of the force-sync annotation: a change asks for a reconcile.
    public var forceSyncToken: String? { metadata.annotations?[Self.forceSyncAnnotation] }
    /// Whether deletion has work to do, so the resource carries the finalizer: `deletionPolicy`
    /// `Delete` (the default). With `Retain` the vault secret and its cache entry stay.
    public var needsFinalizer: Bool { (spec.deletionPolicy ?? .delete) == .delete }
    /// Whether the resource carries this operator's finalizer.
    public var hasFinalizer: Bool { metadata.finalizers?.contains(Self.finalizer) ?? false }

    public var apiVersion: String? = "integrations.keyvault.dev/v1alpha1"
    public var kind: String? = "UserIntegration"
    public var metadata: ObjectMeta
    public var spec: Spec
    public var status: Status?

    public init(metadata: ObjectMeta, spec: Spec, status: Status? = nil) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    /// `namespace/name`, as recorded in the vault secret's `owner` tag.
    public var ownerReference: String { "\(metadata.namespace ?? "")/\(metadata.name ?? "")" }
}
