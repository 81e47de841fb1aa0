public import JSONReading
import Kubernetes

/// The informer reads its list with these (`JSONDecoder` was most of a 10,000-resource start-up's
/// CPU). Each reads what the `Decodable` conformance reads, with the same keys required.
extension UserIntegration: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        var apiVersion: String?
        var kind: String?
        var metadata: ObjectMeta?
        var spec: Spec?
        var status: Status?
        try reader.readObject { key, reader in
            switch key {
            case "apiVersion": apiVersion = try reader.readOptional { try $0.readString() }
            case "kind": kind = try reader.readOptional { try $0.readString() }
            case "metadata": metadata = try reader.readOptional { try ObjectMeta(reading: &$0) }
            case "spec": spec = try reader.readOptional { try Spec(reading: &$0) }
            case "status": status = try reader.readOptional { try Status(reading: &$0) }
            default: try reader.skipValue()
            }
        }
        self.init(
            metadata: try JSONReader.required(metadata, "metadata"), spec: try JSONReader.required(spec, "spec"),
            status: status)
        self.apiVersion = apiVersion
        self.kind = kind
    }
}

extension UserIntegration.Spec: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        var userId: String?
        var type: String?
        var secretRef: UserIntegration.SecretReference?
        var expiresAt: String?
        var deletionPolicy: UserIntegration.DeletionPolicy?
        try reader.readObject { key, reader in
            switch key {
            case "userId": userId = try reader.readOptional { try $0.readString() }
            case "type": type = try reader.readOptional { try $0.readString() }
            case "secretRef": secretRef = try reader.readOptional { try UserIntegration.SecretReference(reading: &$0) }
            case "expiresAt": expiresAt = try reader.readOptional { try $0.readString() }
            case "deletionPolicy":
                deletionPolicy = try reader.readOptional { try $0.readRawValue(UserIntegration.DeletionPolicy.self) }
            default: try reader.skipValue()
            }
        }
        self.init(
            userId: try JSONReader.required(userId, "userId"), type: try JSONReader.required(type, "type"),
            secretRef: secretRef, expiresAt: expiresAt,
            deletionPolicy: deletionPolicy)
    }
}

extension UserIntegration.SecretReference: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        var name: String?
        var key: String?
        try reader.readObject { member, reader in
            switch member {
            case "name": name = try reader.readOptional { try $0.readString() }
            case "key": key = try reader.readOptional { try $0.readString() }
            default: try reader.skipValue()
            }
        }
        self.init(name: try JSONReader.required(name, "name"), key: try JSONReader.required(key, "key"))
    }
}

extension UserIntegration.Status: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        self.init()
        try reader.readObject { key, reader in
            switch key {
            case "state":
                state = try reader.readOptional { try $0.readString() }.flatMap { UserIntegration.State(rawValue: $0) }
            case "maskedKey": maskedKey = try reader.readOptional { try $0.readString() }
            case "vaultSecretName": vaultSecretName = try reader.readOptional { try $0.readString() }
            case "vaultSecretVersion": vaultSecretVersion = try reader.readOptional { try $0.readString() }
            case "expiresAt": expiresAt = try reader.readOptional { try $0.readString() }
            case "lastSyncTime": lastSyncTime = try reader.readOptional { try $0.readString() }
            case "observedGeneration": observedGeneration = try reader.readOptional { try $0.readInt() }
            case "conditions": conditions = try reader.readOptional { try $0.readArray(of: Condition.self) }
            default: try reader.skipValue()
            }
        }
    }
}

extension Condition: JSONReadable {
    public init(reading reader: inout JSONReader) throws {
        var type: String?
        var status: Status?
        var reason: String?
        var message: String?
        var lastTransitionTime: String?
        var observedGeneration: Int?
        try reader.readObject { key, reader in
            switch key {
            case "type": type = try reader.readOptional { try $0.readString() }
            case "status": status = try reader.readOptional { try $0.readRawValue(Status.self) }
            case "reason": reason = try reader.readOptional { try $0.readString() }
            case "message": message = try reader.readOptional { try $0.readString() }
            case "lastTransitionTime": lastTransitionTime = try reader.readOptional { try $0.readString() }
            case "observedGeneration": observedGeneration = try reader.readOptional { try $0.readInt() }
            default: try reader.skipValue()
            }
        }
        self.init(
            type: try JSONReader.required(type, "type"), status: try JSONReader.required(status, "status"),
            reason: try JSONReader.required(reason, "reason"),
            message: try JSONReader.required(message, "message"),
            lastTransitionTime: try JSONReader.required(lastTransitionTime, "lastTransitionTime"),
            observedGeneration: observedGeneration)
    }
}
