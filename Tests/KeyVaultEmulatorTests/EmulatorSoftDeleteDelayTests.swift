import Foundation
import HTTPTransport
import TestEnvironment
import Testing

/// `--soft-delete-delay` and `--soft-delete-tail` reproduce real Key Vault's recorded answers:
/// a delete and a recover complete seconds after they answer, and writes of the name get 409
/// meanwhile and for a tail after. Each check "during" runs right after the operation, and each
/// "after" waits for the answer to change. The windows are 20 s, not the real service's 5 s: the
/// test process can stall for up to 9 s while the suite starts, and a "during" check made after
/// the window would see the next state.
@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct EmulatorSoftDeleteDelayTests {
    @Test func deletesAndRecoversCompleteLaterAsOnTheRealService() async throws {
        let emulator = try PrivateEmulator(
            name: "soft-delete", arguments: ["--soft-delete-delay", "20s", "--soft-delete-tail", "5s"])
        try await emulator.start()
        let client = try await emulator.client()
        let name = EmulatorClient.uniqueName("slow-delete")
        #expect(try await client.send(.put, "/secrets/\(name)", body: ["value": "v1"]).status == 200)

        #expect(try await client.send(.delete, "/secrets/\(name)").status == 200)
        // Being deleted: not yet a deleted secret, not listed, and a write is refused as such.
        #expect(try await client.send(.get, "/deletedsecrets/\(name)").status == 404)
        #expect(
            !(try await client.send(.get, "/deletedsecrets").items.contains {
                ($0["recoveryId"] as? String)?.hasSuffix(name) == true
            }))
        let whileDeleting = try await client.send(.put, "/secrets/\(name)", body: ["value": "v2"])
        #expect(whileDeleting.status == 409)
        #expect(whileDeleting.innerErrorCode == "ObjectIsBeingDeleted")
        #expect(try await client.send(.post, "/deletedsecrets/\(name)/recover").status == 404)
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                try await client.send(.get, "/deletedsecrets/\(name)").status == 200
            })

        #expect(try await client.send(.post, "/deletedsecrets/\(name)/recover").status == 200)
        // Being recovered: not readable yet, and a write is refused as such.
        #expect(try await client.send(.get, "/secrets/\(name)").status == 404)
        let whileRecovering = try await client.send(.put, "/secrets/\(name)", body: ["value": "v2"])
        #expect(whileRecovering.status == 409)
        #expect(whileRecovering.innerErrorCode == "ObjectIsBeingRecovered")
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                try await client.send(.get, "/secrets/\(name)").status == 200
            })
        // The tail: readable, yet writes are refused a while longer; then they succeed.
        #expect(
            try await eventually(timeout: .seconds(60), every: .milliseconds(250)) {
                try await client.send(.put, "/secrets/\(name)", body: ["value": "v2"]).status == 200
            })
        #expect(try await client.send(.get, "/secrets/\(name)").json["value"] as? String == "v2")
    }

    @Test func withoutADelayEverythingCompletesAtOnce() async throws {
        let client = try await EmulatorClient.shared()
        let name = EmulatorClient.uniqueName("quick-delete")
        #expect(try await client.send(.put, "/secrets/\(name)", body: ["value": "v1"]).status == 200)
        #expect(try await client.send(.delete, "/secrets/\(name)").status == 200)
        #expect(try await client.send(.get, "/deletedsecrets/\(name)").status == 200)
        #expect(try await client.send(.post, "/deletedsecrets/\(name)/recover").status == 200)
        #expect(try await client.send(.get, "/secrets/\(name)").status == 200)
    }
}
