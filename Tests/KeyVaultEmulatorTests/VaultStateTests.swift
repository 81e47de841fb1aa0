import Foundation
import Testing

@testable import KeyVaultEmulator

/// The emulator's rules as pure logic, without a server.
struct VaultStateTests {
    var state = VaultState()

    static func body(_ value: String?, enabled: Bool? = nil, tags: [String: String]? = nil) -> SetSecretRequest {
        SetSecretRequest(
            value: value, contentType: nil, attributes: enabled.map { SecretAttributesInput(enabled: $0) }, tags: tags)
    }

    @Test mutating func everySetMakesANewLatestVersion() throws {
        let (first, _) = try state.set(name: "a", request: Self.body("1"), now: 100)
        let (second, _) = try state.set(name: "a", request: Self.body("2"), now: 100)
        #expect(first.latest.id != second.latest.id)
        #expect(second.latest.id.count == 32)
        #expect(second.latest.id.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(try state.get(name: "a", version: nil).1.value == "2")
        #expect(try state.get(name: "a", version: first.latest.id).1.value == "1")
    }

    @Test mutating func namesAreCaseInsensitiveAndKeepTheirFirstSpelling() throws {
        _ = try state.set(name: "MySecret", request: Self.body("1"), now: 1)
        _ = try state.set(name: "mysecret", request: Self.body("2"), now: 2)
        let (secret, version) = try state.get(name: "MYSECRET", version: nil)
        #expect(secret.name == "MySecret")
        #expect(version.value == "2")
        #expect(state.list().count == 1)
    }

    @Test(arguments: ["", "has_underscore", "dot.name", String(repeating: "a", count: 128), "spaced name"])
    mutating func invalidNamesAreBadParameters(_ name: String) {
        #expect(throws: AzureError.invalidName(name)) { try state.set(name: name, request: Self.body("v"), now: 1) }
    }

    @Test mutating func valueLimitIs25KiBAndEmptyIsAllowed() throws {
        _ = try state.set(name: "max", request: Self.body(String(repeating: "x", count: 25 * 1024)), now: 1)
        _ = try state.set(name: "empty", request: Self.body(""), now: 1)
        #expect(throws: AzureError.self) {
            try state.set(name: "over", request: Self.body(String(repeating: "x", count: 25 * 1024 + 1)), now: 1)
        }
        #expect(throws: AzureError.self) { try state.set(name: "none", request: Self.body(nil), now: 1) }
    }

    @Test mutating func tagLimitsAreEnforced() throws {
        let sixteen = Dictionary(uniqueKeysWithValues: (0..<16).map { ("t\($0)", "v") })
        #expect(throws: AzureError.self) { try state.set(name: "tags", request: Self.body("v", tags: sixteen), now: 1) }
        #expect(throws: AzureError.self) {
            try state.set(
                name: "tags", request: Self.body("v", tags: ["k": String(repeating: "v", count: 513)]), now: 1)
        }
    }

    @Test mutating func disabledSecretIsForbiddenButListed() throws {
        _ = try state.set(name: "off", request: Self.body("v", enabled: false), now: 1)
        #expect(throws: AzureError.secretDisabled) { try state.get(name: "off", version: nil) }
        #expect(state.list().map(\.name) == ["off"])
    }

    @Test mutating func updateChangesOnlyWhatIsGiven() throws {
        _ = try state.set(
            name: "u", request: SetSecretRequest(value: "v", contentType: "text/plain", tags: ["a": "1"]), now: 1)
        let (_, updated, _) = try state.update(
            name: "u", version: nil, request: UpdateSecretRequest(attributes: SecretAttributesInput(exp: 500)), now: 2)
        #expect(updated.contentType == "text/plain")
        #expect(updated.tags == ["a": "1"])
        #expect(updated.expires == 500)
        #expect(updated.updated == 2)
        #expect(updated.value == "v")
    }

    @Test mutating func softDeleteHidesThenRecoverRestores() throws {
        _ = try state.set(name: "d", request: Self.body("v"), now: 10)
        let (deleted, _) = try state.delete(name: "d", now: 20)
        #expect(deleted.deletion == .init(deletedDate: 20, scheduledPurgeDate: 20 + 90 * 86_400))
        #expect(throws: AzureError.secretNotFound("d")) { try state.get(name: "d", version: nil) }
        #expect(state.list().isEmpty)
        #expect(state.listDeleted().map(\.name) == ["d"])
        #expect(throws: AzureError.deletedButRecoverable("d")) {
            try state.set(name: "d", request: Self.body("new"), now: 30)
        }
        _ = try state.recover(name: "d")
        #expect(try state.get(name: "d", version: nil).1.value == "v")
    }

    @Test mutating func purgeRemovesOnlyDeletedSecrets() throws {
        _ = try state.set(name: "p", request: Self.body("v"), now: 1)
        #expect(throws: AzureError.deletedSecretNotFound("p")) { try state.purge(name: "p") }
        _ = try state.delete(name: "p", now: 2)
        _ = try state.purge(name: "p")
        #expect(state.secrets.isEmpty)
        _ = try state.set(name: "p", request: Self.body("fresh"), now: 3)
    }

    @Test mutating func backupRestoresEveryVersionAndRefusesTakenNames() throws {
        _ = try state.set(name: "b", request: Self.body("1"), now: 1)
        _ = try state.set(name: "b", request: Self.body("2"), now: 2)
        let blob = try state.backup(name: "b")
        #expect(throws: AzureError.alreadyExists("b")) { try state.restore(blob: blob) }
        _ = try state.delete(name: "b", now: 3)
        #expect(throws: AzureError.deletedButRecoverable("b")) { try state.restore(blob: blob) }
        _ = try state.purge(name: "b")
        let (restored, _) = try state.restore(blob: blob)
        #expect(restored.versions.map(\.value) == ["1", "2"])
        #expect(throws: AzureError.self) { try state.restore(blob: "not-a-backup") }
    }

    @Test mutating func restoreValidatesTheBlobLikeASet() throws {
        _ = try state.set(name: "ok", request: Self.body("v"), now: 1)
        let good = try state.backup(name: "ok")
        _ = try state.delete(name: "ok", now: 2)
        _ = try state.purge(name: "ok")
        func tampered(_ change: (inout StoredSecret) -> Void) throws -> String {
            var blob = try JSONDecoder().decode(BackupBlob.self, from: try #require(Base64URL.decode(good)))
            change(&blob.secret)
            return Base64URL.encode(try JSONEncoder().encode(blob))
        }
        let hostile = [
            try tampered { $0.name = "../other" },
            try tampered { $0.versions[0].value = String(repeating: "x", count: SecretValidation.maxValueBytes + 1) },
            try tampered { $0.versions[0].tags = Dictionary(uniqueKeysWithValues: (0...15).map { ("t\($0)", "v") }) },
            try tampered { $0.versions[0].contentType = String(repeating: "c", count: 256) },
            try tampered { $0.versions[0].id = "../../x" },
            try tampered { $0.versions.append($0.versions[0]) },
        ]
        for blob in hostile {
            #expect(throws: AzureError.self) { try state.restore(blob: blob) }
        }
        #expect(state.secrets.isEmpty)
        #expect(try state.restore(blob: good).0.name == "ok")
    }

    @Test mutating func replayingTheChangesRebuildsTheSameState() throws {
        var changes: [StoreChange] = []
        changes.append(try state.set(name: "r", request: Self.body("1"), now: 1).1)
        changes.append(try state.set(name: "r", request: Self.body("2"), now: 2).1)
        changes.append(
            try state.update(name: "r", version: nil, request: UpdateSecretRequest(tags: ["x": "y"]), now: 3).2)
        changes.append(try state.set(name: "gone", request: Self.body("g"), now: 4).1)
        changes.append(try state.delete(name: "gone", now: 5).1)
        changes.append(try state.purge(name: "gone"))
        changes.append(try state.delete(name: "r", now: 6).1)
        changes.append(try state.recover(name: "r").1)
        var replayed = VaultState()
        changes.forEach { replayed.apply($0) }
        #expect(replayed.secrets == state.secrets)
    }

    @Test func pagingLinksPagesWithAbsoluteNextLinks() throws {
        let items = ["a", "b", "c", "d", "e"]
        let paging = try Paging(query: ["maxresults": "2"])
        let (first, next) = paging.page(items, key: { $0 }, path: "/secrets", base: "https://h:1", apiVersion: "7.5")
        #expect(first == ["a", "b"])
        let link = try #require(next)
        #expect(link.hasPrefix("https://h:1/secrets?api-version=7.5&maxresults=2&$skiptoken="))
        let token = String(link.split(separator: "$skiptoken=")[1])
        let (second, _) = try Paging(query: ["maxresults": "2", "$skiptoken": token]).page(
            items, key: { $0 }, path: "/secrets", base: "", apiVersion: "7.5")
        #expect(second == ["c", "d"])
        #expect(throws: AzureError.self) { try Paging(query: ["maxresults": "26"]) }
        #expect(throws: AzureError.self) { try Paging(query: ["maxresults": "0"]) }
        #expect(throws: AzureError.self) { try Paging(query: ["$skiptoken": "%%%"]) }
    }

    @Test func aPageAfterItemsCameAndWentStartsAfterTheLastItemGiven() throws {
        let (_, next) = try Paging(query: ["maxresults": "2"]).page(
            ["a", "b", "c", "d", "e"], key: { $0 }, path: "/secrets", base: "", apiVersion: "7.5")
        let token = String(try #require(next).split(separator: "$skiptoken=")[1])
        // "a" was deleted and "bb" created between the two pages: "c" is not skipped, "b" not repeated.
        let (second, _) = try Paging(query: ["maxresults": "2", "$skiptoken": token])
            .page(["b", "bb", "c", "d", "e"], key: { $0 }, path: "/secrets", base: "", apiVersion: "7.5")
        #expect(second == ["bb", "c"])
    }
}
