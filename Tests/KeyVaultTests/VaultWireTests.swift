import Foundation
import JSONReading
import Testing

@testable import KeyVault

/// The vault's bundles and pages as `VaultWire` reads them (with `JSONReader`).
struct VaultWireTests {
    @Test func aBundleReadsItsFieldsAndSkipsTheRest() throws {
        let json = """
            { "value" : "s3cret", "id": "https://vault.example/secrets/app-key/0123456789abcdef0123456789abcdef",
              "kid": null, "managed": false, "unknown": [1, -2.5e3, {"deep": ["x", true, null]}, []],
              "attributes": {"enabled": true, "nbf": 1700000000, "exp": 1.8e9, "created": 1600000000, "updated": 1600000001,
                             "recoveryLevel": "Recoverable+Purgeable", "recoverableDays": 90},
              "contentType": "text/plain", "tags": {"user-id": "u1", "integration-type": "weather"} }
            """
        let bundle = try VaultWire.Bundle(json: Data(json.utf8))
        #expect(bundle.value == "s3cret")
        #expect(bundle.contentType == "text/plain")
        #expect(bundle.attributes?.enabled == true)
        #expect(bundle.attributes?.nbf == 1_700_000_000)
        #expect(bundle.attributes?.exp == 1_800_000_000)
        #expect(bundle.tags == ["user-id": "u1", "integration-type": "weather"])
        let properties = VaultWire.properties(of: bundle, fallbackName: "fallback")
        #expect(properties.name == "app-key")
        #expect(properties.version == "0123456789abcdef0123456789abcdef")
        #expect(properties.updatedAt == Date(timeIntervalSince1970: 1_600_000_001))
    }

    @Test func theEmulatorsQuirksAndNullsRead() throws {
        let bundle = try VaultWire.Bundle(
            json: Data(#"{"value":"v","contentType":"","tags":{},"attributes":null,"id":null}"#.utf8))
        #expect(bundle.tags == [:])
        #expect(bundle.attributes == nil)
        let properties = VaultWire.properties(of: bundle, fallbackName: "named")
        #expect(properties.contentType == nil)
        #expect(properties.name == "named")
        #expect(properties.enabled)
    }

    @Test(arguments: [
        "", "{", #"{"value":"v""#, #"{"value":"v"} x"#, #"{value:"v"}"#, #"{"value":"v",}"#, #"{"value" "v"}"#,
        #"{"value":"bad \q escape"}"#, "{\"value\":\"raw\ncontrol\"}", #"{"value":"\ud83d alone"}"#,
        #"{"value":"\u12"}"#,
        #"{"attributes":{"exp":01}}"#, #"{"attributes":{"exp":-}}"#, #"{"attributes":{"exp":1.}}"#,
        #"{"attributes":{"enabled":tru}}"#,
        #"{"tags":{"a":1}}"#, #"{"unknown":[1,,2]}"#, #"["not an object"]"#,
    ])
    func malformedInputThrows(json: String) {
        #expect(throws: JSONReader.Malformed.self) { try VaultWire.Bundle(json: Data(json.utf8)) }
    }

    @Test func aPageReadsItsBundlesAndNextLink() throws {
        let json =
            #"{"value":[{"id":"https://v/secrets/a","attributes":{"enabled":true}},{"id":"https://v/secrets/b"}],"nextLink":null}"#
        let page = try VaultWire.Page(json: Data(json.utf8))
        #expect(page.value?.map { VaultWire.properties(of: $0, fallbackName: "").name } == ["a", "b"])
        #expect(page.nextLink == nil)
        #expect(
            try VaultWire.Page(json: Data(#"{"value":[],"nextLink":"https://v/secrets?$skiptoken=x"}"#.utf8)).nextLink
                == "https://v/secrets?$skiptoken=x")
    }
}
