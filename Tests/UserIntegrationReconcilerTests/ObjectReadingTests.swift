import Foundation
import JSONReading
import Kubernetes
import Testing
import UserIntegrationReconciler

/// Informer lists read objects with `JSONReader`: each type must read what `JSONDecoder` decodes.
struct ObjectReadingTests {
    /// A resource as the API server lists it: managedFields, kubectl's annotation, unknown keys.
    static let listed = #"""
        {"apiVersion":"integrations.keyvault.dev/v1alpha1","kind":"UserIntegration",
         "metadata":{"creationTimestamp":"2026-12-01T15:01:39Z","deletionTimestamp":"2026-12-02T00:00:00Z","deletionGracePeriodSeconds":0,
           "finalizers":["integrations.keyvault.dev/finalizer","other/finalizer"],"generation":3,
           "labels":{"team":"iot","app.kubernetes.io/name":"demo"},
           "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"spec\":{\"userId\":\"user-123\"}}\n"},
           "managedFields":[{"manager":"kubectl","operation":"Update","fieldsV1":{"f:spec":{".":{}}}}],
           "name":"user-123-weather","namespace":"iot","resourceVersion":"30276","uid":"54cab3a3-2eac-4a0b-8caf-2a291c27c0dd"},
         "spec":{"deletionPolicy":"Retain","secretRef":{"key":"apiKey","name":"user-123-weather"},"type":"google_home","userId":"user-123",
           "expiresAt":"2026-12-28T00:00:00Z","future":{"nested":[1,2.5,null,true]}},
         "status":{"conditions":[
             {"lastTransitionTime":"2026-12-01T15:03:00Z","message":"Key Vault secret user-user-123-google-home","observedGeneration":3,"reason":"Synced","status":"True","type":"KeyVaultSynced"},
             {"lastTransitionTime":"2026-12-01T15:03:00Z","message":"the credential has not expired","reason":"Valid","status":"False","type":"Expired"}],
           "lastSyncTime":"2026-12-01T15:03:00Z","maskedKey":"***4f2","observedGeneration":3,"state":"connected",
           "vaultSecretName":"user-user-123-google-home","vaultSecretVersion":"81658039fab53a2a9684e169aa30c243","expiresAt":"2026-12-28T00:00:00Z"}}
        """#

    static func bothWays<T: Decodable & JSONReadable & Equatable>(
        _ type: T.Type, _ json: String
    ) throws -> (read: T, decoded: T) {
        (try JSONReader.read(T.self, from: Data(json.utf8)), try JSONDecoder().decode(T.self, from: Data(json.utf8)))
    }

    @Test func aListedResourceReadsAsJSONDecoderDecodesIt() throws {
        let (read, decoded) = try Self.bothWays(UserIntegration.self, Self.listed)
        #expect(read == decoded)
        #expect(read.metadata.labels?["team"] == "iot")
        #expect(read.metadata.annotations?.first?.value.hasSuffix("}\n") == true)
        #expect(read.metadata.generation == 3)
        #expect(read.spec.deletionPolicy == .retain)
        #expect(read.status?.conditions?.map(\.status) == [.true, .false])
        #expect(read.status?.conditions?.last?.observedGeneration == nil)
    }

    @Test(arguments: [
        #"{"metadata":{"name":"a"},"spec":{"userId":"u","type":"weather"}}"#,
        #"{"apiVersion":null,"kind":null,"metadata":{"name":"a","labels":null,"finalizers":[]},"spec":{"userId":"u","type":"sms","secretRef":null},"status":null}"#,
        #"{"metadata":{},"spec":{"userId":"u","type":"mqtt"},"status":{"conditions":null,"observedGeneration":null}}"#,
    ])
    func sparseResourcesReadAsJSONDecoderDecodesThem(json: String) throws {
        let (read, decoded) = try Self.bothWays(UserIntegration.self, json)
        #expect(read == decoded)
    }

    @Test(arguments: [
        #"{"metadata":{"name":"a"}}"#, #"{"metadata":{"name":"a"},"spec":{"type":"weather"}}"#,
        #"{"metadata":{"name":"a"},"spec":{"userId":"u","type":"weather","secretRef":{"name":"s"}}}"#,
        #"{"metadata":{"name":"a"},"spec":{"userId":"u","type":"weather","deletionPolicy":"Keep"}}"#,
        #"{"metadata":{"generation":"3"},"spec":{"userId":"u","type":"weather"}}"#,
        #"{"metadata":{},"spec":{"userId":"u","type":"weather"},"status":{"conditions":[{"type":"Ready","status":"Maybe","reason":"r","message":"m","lastTransitionTime":"t"}]}}"#,
        #"{"metadata":{},"spec":{"userId":"u","type":"weather"},"status":{"conditions":[{"type":"Ready","status":"True","reason":"r","message":"m"}]}}"#,
    ])
    func whatJSONDecoderRejectsTheReaderRejects(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(UserIntegration.self, from: Data(json.utf8)) }
        #expect(throws: (any Error).self) { try JSONReader.read(UserIntegration.self, from: Data(json.utf8)) }
    }

    @Test func secretMetadataReadsAsJSONDecoderDecodesIt() throws {
        let json = #"""
            {"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"s1","namespace":"iot","uid":"u-1",
             "resourceVersion":"77","creationTimestamp":"2026-12-01T15:01:39Z","managedFields":[],"ownerReferences":[{"kind":"X"}]}}
            """#
        let (read, decoded) = try Self.bothWays(PartialObjectMetadata.self, json)
        #expect(read == decoded)
        #expect(read.metadata.resourceVersion == "77")
    }

    @Test func aSecretReadsAsJSONDecoderDecodesIt() throws {
        let json = #"""
            {"kind":"Secret","apiVersion":"v1","metadata":{"name":"user-123-weather","namespace":"iot","uid":"u-2",
             "resourceVersion":"81","labels":{"integrations.keyvault.dev/allow-push":"true"},"managedFields":[{"manager":"kubectl"}]},
             "data":{"apiKey":"c2stNGYy","other":""},"type":"Opaque","immutable":false}
            """#
        let read = try JSONReader.read(KubernetesSecret.self, from: Data(json.utf8))
        let decoded = try JSONDecoder().decode(KubernetesSecret.self, from: Data(json.utf8))
        #expect(read.metadata == decoded.metadata)
        #expect(read.data == decoded.data)
        #expect(read.value(forKey: "apiKey") == Data("sk-4f2".utf8))
        #expect(read.metadata.labels?["integrations.keyvault.dev/allow-push"] == "true")
        for sparse in [#"{"metadata":{"name":"s"}}"#, #"{"metadata":{"name":"s"},"data":null}"#] {
            #expect(try JSONReader.read(KubernetesSecret.self, from: Data(sparse.utf8)).data == nil)
        }
        for rejected in [#"{"data":{"apiKey":"c2s="}}"#, #"{"metadata":{},"data":{"apiKey":1}}"#] {
            #expect(throws: (any Error).self) {
                try JSONDecoder().decode(KubernetesSecret.self, from: Data(rejected.utf8))
            }
            #expect(throws: (any Error).self) { try JSONReader.read(KubernetesSecret.self, from: Data(rejected.utf8)) }
        }
    }

    @Test func watchEventsReadTheirObjectWhicheverKeyComesFirst() throws {
        let added = try WatchEvent<UserIntegration>.read(Data(#"{"type":"ADDED","object":\#(Self.listed)}"#.utf8))
        guard case .added(let object) = added else { Issue.record("not an ADDED event: \(added)"); return }
        #expect(object == (try JSONDecoder().decode(UserIntegration.self, from: Data(Self.listed.utf8))))
        let modified = try WatchEvent<UserIntegration>.read(Data(#"{"object":\#(Self.listed),"type":"MODIFIED"}"#.utf8))
        guard case .modified(let later) = modified else { Issue.record("not a MODIFIED event: \(modified)"); return }
        #expect(later == object)
        let bookmark = try WatchEvent<UserIntegration>.read(
            Data(#"{"type":"BOOKMARK","object":{"kind":"UserIntegration","metadata":{"resourceVersion":"991"}}}"#.utf8))
        guard case .bookmark(let version) = bookmark else { Issue.record("not a BOOKMARK: \(bookmark)"); return }
        #expect(version == "991")
        let gone = try WatchEvent<UserIntegration>.read(
            Data(#"{"type":"ERROR","object":{"kind":"Status","code":410,"reason":"Expired","message":"too old"}}"#.utf8)
        )
        guard case .error(let error) = gone else { Issue.record("not an ERROR: \(gone)"); return }
        #expect(error.isGone)
        for malformed in [
            #"{"type":"ADDED"}"#, #"{"object":{}}"#, #"{"type":"ADDED","object":{"metadata":{}}}"#,
            #"{"type":"ADDED","object":"#,
        ] {
            #expect(throws: (any Error).self) { try WatchEvent<UserIntegration>.read(Data(malformed.utf8)) }
        }
    }

    @Test func listPagesReadAsJSONDecoderDecodesThem() throws {
        let page =
            #"{"kind":"UserIntegrationList","metadata":{"resourceVersion":"5","continue":"token"},"items":[\#(Self.listed),\#(Self.listed)]}"#
        let read = try JSONReader.read(ObjectList<UserIntegration>.self, from: Data(page.utf8))
        let decoded = try JSONDecoder().decode(ObjectList<UserIntegration>.self, from: Data(page.utf8))
        #expect(read.items == decoded.items)
        #expect(read.items.count == 2)
        #expect(read.metadata.resourceVersion == "5")
        #expect(read.metadata.continue == "token")
        let empty = try JSONReader.read(
            ObjectList<PartialObjectMetadata>.self,
            from: Data(#"{"metadata":{"resourceVersion":"6"},"items":null}"#.utf8))
        #expect(empty.items.isEmpty)
    }
}
