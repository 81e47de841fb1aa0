import Testing
import YAML

struct YAMLDecoderTests {
    struct Manifest: Decodable, Equatable {
        struct Metadata: Decodable, Equatable {
            var name: String
            var namespace: String?
            var labels: [String: String]?
        }
        struct Spec: Decodable, Equatable {
            enum Kind: String, Decodable { case weather, alexa }
            var userId: String
            var type: Kind
            var replicas: Int?
            var enabled: Bool?
        }
        var apiVersion: String
        var metadata: Metadata
        var spec: Spec
    }

    @Test func decodesNestedTypes() throws {
        let manifest = try YAMLDecoder().decode(
            Manifest.self,
            from: """
                apiVersion: integrations.keyvault.dev/v1alpha1
                metadata:
                  name: user-123-weather
                  labels: {team: iot}
                spec:
                  userId: user-123
                  type: weather
                  replicas: 3
                  enabled: yes
                """)
        #expect(manifest.metadata.labels == ["team": "iot"])
        #expect(manifest.metadata.namespace == nil)
        #expect(manifest.spec == .init(userId: "user-123", type: .weather, replicas: 3, enabled: true))
    }

    @Test func missingFieldNamesTheFieldAndItsMapping() throws {
        let error = #expect(throws: YAMLError.self) {
            try YAMLDecoder().decode(
                Manifest.self, from: "apiVersion: v1\nmetadata:\n  name: x\nspec:\n  type: weather\n", file: "m.yaml")
        }
        #expect(error?.description == "m.yaml:5:3: spec: missing required field 'userId'")
    }

    @Test func wrongEnumValueIsReportedAtTheValue() throws {
        let error = #expect(throws: YAMLError.self) {
            try YAMLDecoder().decode(
                Manifest.self, from: "apiVersion: v1\nmetadata: {name: x}\nspec:\n  userId: u\n  type: fax\n",
                file: "m.yaml")
        }
        #expect(error?.line == 5)
        #expect(error?.column == 9)
        #expect(error?.path == "spec.type")
    }

    @Test func unquotedNumberIsNotAString() throws {
        let error = #expect(throws: YAMLError.self) {
            try YAMLDecoder().decode(
                Manifest.self, from: "apiVersion: v1\nmetadata: {name: x}\nspec:\n  userId: 123\n  type: alexa\n")
        }
        #expect(error?.line == 4)
        #expect(error?.message == "expected a string, found an integer")
    }

    @Test func arraysOfStructsReportTheIndex() throws {
        struct List: Decodable { var items: [Manifest.Metadata] }
        let error = #expect(throws: YAMLError.self) {
            try YAMLDecoder().decode(List.self, from: "items:\n- name: a\n- namespace: b\n")
        }
        #expect(error?.path == "items[1]")
        #expect(error?.line == 3)
    }
}
