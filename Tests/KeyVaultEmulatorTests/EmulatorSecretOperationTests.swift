import Foundation
import HTTPTransport
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct EmulatorSecretOperationTests {
    @Test func setReturnsTheBundleWithANewVersion() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("set")
        let reply = try await client.send(
            .put, "/secrets/\(name)", body: ["value": "v1", "contentType": "text/plain", "tags": ["a": "b"]])
        #expect(reply.status == 200)
        #expect(reply.json["value"] as? String == "v1")
        #expect(reply.json["contentType"] as? String == "text/plain")
        #expect(reply.json["tags"] as? [String: String] == ["a": "b"])
        let version = String(reply.id.split(separator: "/").last ?? "")
        #expect(reply.id == "\(client.url)/secrets/\(name)/\(version)")
        #expect(version.count == 32)
        #expect(reply.attributes["enabled"] as? Bool == true)
        #expect(reply.attributes["recoveryLevel"] as? String == "Recoverable+Purgeable")
        #expect(reply.attributes["exp"] == nil)
        #expect(reply.headers["x-ms-request-id"] != nil)
    }

    @Test func getServesLatestWithOrWithoutTrailingSlashAndByVersion() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("get")
        let first = try await client.send(.put, "/secrets/\(name)", body: ["value": "one"])
        try await client.send(.put, "/secrets/\(name)", body: ["value": "two"])
        #expect(try await client.send(.get, "/secrets/\(name)").json["value"] as? String == "two")
        #expect(try await client.send(.get, "/secrets/\(name)/").json["value"] as? String == "two")
        #expect(try await client.send(.get, "/secrets/\(name.uppercased())").json["value"] as? String == "two")
        let version = first.id.split(separator: "/").last!
        #expect(try await client.send(.get, "/secrets/\(name)/\(version)").json["value"] as? String == "one")
        let missing = try await client.send(.get, "/secrets/\(name)/\(String(repeating: "0", count: 32))")
        #expect(missing.status == 404)
        #expect(missing.errorCode == "SecretNotFound")
    }

    @Test func updateChangesAttributesAndOmitsTheValue() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("patch")
        try await client.send(.put, "/secrets/\(name)", body: ["value": "v", "tags": ["keep": "me"]])
        let reply = try await client.send(
            .patch, "/secrets/\(name)/", body: ["attributes": ["exp": 2_000_000_000], "contentType": "x"])
        #expect(reply.status == 200)
        #expect(reply.json["value"] == nil)
        #expect(reply.attributes["exp"] as? Int == 2_000_000_000)
        #expect(reply.json["tags"] as? [String: String] == ["keep": "me"])
        #expect(try await client.send(.get, "/secrets/\(name)").json["contentType"] as? String == "x")
    }

    @Test func disabledSecretIsForbidden() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("disabled")
        try await client.send(.put, "/secrets/\(name)", body: ["value": "v", "attributes": ["enabled": false]])
        let reply = try await client.send(.get, "/secrets/\(name)")
        #expect(reply.status == 403)
        #expect(reply.errorCode == "Forbidden")
        #expect(reply.innerErrorCode == "SecretDisabled")
    }

    @Test func listPagesWithAbsoluteNextLinksAndNeverShowsValues() async throws {
        let client = try await EmulatorClient.shared()
        let prefix = EmulatorClient.uniqueName("list")
        for index in 0..<7 {
            try await client.send(.put, "/secrets/\(prefix)-\(index)", body: ["value": "secret-\(index)"])
        }
        var names: [String] = []
        var next: String? = "\(client.url)/secrets?api-version=7.5&maxresults=3"
        var pages = 0
        while let link = next {
            let page = try await client.send(.get, absolute: link)
            #expect(page.status == 200)
            #expect(page.json.keys.contains("nextLink"))
            for item in page.items {
                #expect(item["value"] == nil)
                names.append(String((item["id"] as? String ?? "").split(separator: "/").last ?? ""))
            }
            next = page.nextLink
            if let next { #expect(next.hasPrefix(client.url + "/secrets?")) }
            pages += 1
        }
        #expect(pages >= 3)
        #expect(Set(names.filter { $0.hasPrefix(prefix) }).count == 7)
        let bad = try await client.send(.get, "/secrets?maxresults=26")
        #expect(bad.status == 400)
    }

    @Test func versionsListsEveryVersionWithVersionedIds() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("versions")
        for value in ["a", "b", "c"] { try await client.send(.put, "/secrets/\(name)", body: ["value": value]) }
        let reply = try await client.send(.get, "/secrets/\(name)/versions")
        #expect(reply.items.count == 3)
        #expect(reply.items.allSatisfy { ($0["id"] as? String)?.split(separator: "/").last?.count == 32 })
    }

    @Test func deleteIsSoftAndRecoverable() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("delete")
        try await client.send(.put, "/secrets/\(name)", body: ["value": "v"])
        let deleted = try await client.send(.delete, "/secrets/\(name)")
        #expect(deleted.status == 200)
        #expect(deleted.json["recoveryId"] as? String == "\(client.url)/deletedsecrets/\(name)")
        let deletedDate = try #require(deleted.json["deletedDate"] as? Int)
        #expect(deleted.json["scheduledPurgeDate"] as? Int == deletedDate + 90 * 86_400)
        #expect(deleted.json["value"] == nil)
        #expect(try await client.send(.get, "/secrets/\(name)").status == 404)
        #expect(try await client.send(.get, "/deletedsecrets/\(name)").status == 200)
        let listed = try await client.send(.get, "/deletedsecrets?maxresults=25")
        #expect(listed.status == 200)

        let conflict = try await client.send(.put, "/secrets/\(name)", body: ["value": "again"])
        #expect(conflict.status == 409)
        #expect(conflict.innerErrorCode == "ObjectIsDeletedButRecoverable")

        let recovered = try await client.send(.post, "/deletedsecrets/\(name)/recover")
        #expect(recovered.status == 200)
        #expect(try await client.send(.get, "/secrets/\(name)").json["value"] as? String == "v")
    }

    @Test func purgeAnswers204AndForgetsTheName() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("purge")
        try await client.send(.put, "/secrets/\(name)", body: ["value": "v"])
        try await client.send(.delete, "/secrets/\(name)")
        let purge = try await client.send(.delete, "/deletedsecrets/\(name)")
        #expect(purge.status == 204)
        let gone = try await client.send(.get, "/deletedsecrets/\(name)")
        #expect(gone.status == 404)
        #expect((gone.json["error"] as? [String: Any])?["message"] as? String == "Deleted Secret not found: \(name)")
        #expect(try await client.send(.put, "/secrets/\(name)", body: ["value": "fresh"]).status == 200)
    }

    @Test func backupAndRestoreRoundTrip() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("backup")
        try await client.send(.put, "/secrets/\(name)", body: ["value": "keep"])
        let blob = try #require(try await client.send(.post, "/secrets/\(name)/backup").json["value"] as? String)
        #expect(try await client.send(.post, "/secrets/restore", body: ["value": blob]).status == 409)
        try await client.send(.delete, "/secrets/\(name)")
        try await client.send(.delete, "/deletedsecrets/\(name)")
        let restored = try await client.send(.post, "/secrets/restore", body: ["value": blob])
        #expect(restored.status == 200)
        #expect(try await client.send(.get, "/secrets/\(name)").json["value"] as? String == "keep")
        #expect(try await client.send(.post, "/secrets/restore", body: ["value": "garbage"]).status == 400)
    }

    @Test func validationErrorsUseTheRealCodes() async throws {
        let client = try await EmulatorClient.shared()
        #expect(try await client.send(.put, "/secrets/bad_name", body: ["value": "v"]).errorCode == "BadParameter")
        let big = try await client.send(
            .put, "/secrets/\(EmulatorClient.uniqueName("big"))",
            body: ["value": String(repeating: "x", count: 25 * 1024 + 1)])
        #expect(big.status == 400)
        #expect(big.errorCode == "BadParameter")
        let malformed = try await client.send(
            .put, "/secrets/\(EmulatorClient.uniqueName("json"))", rawBody: Data("{not json".utf8))
        #expect(malformed.status == 400)
        #expect(try await client.send(.put, "/secrets/").status == 405)
        #expect(try await client.send(.get, "/secrets", apiVersion: "1999-01-01").errorCode == "BadParameter")
        #expect(try await client.send(.get, "/secrets", apiVersion: nil).status == 400)
        #expect(try await client.send(.get, "/secrets", apiVersion: "2026-04-01").status == 200)
    }
}
