import Foundation
import HTTPTransport
import Synchronization
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.emulator)))
struct EmulatorPersistenceAndFaultTests {
    @Test func acknowledgedWritesSurviveKill9() async throws {
        let emulator = try PrivateEmulator()
        try await emulator.start()
        let client = try await emulator.client()
        let set = try await client.send(.put, "/secrets/durable", body: ["value": "kept", "tags": ["t": "1"]])
        #expect(set.status == 200)
        for index in 0..<50 { try await client.send(.put, "/secrets/bulk-\(index)", body: ["value": "\(index)"]) }
        try await client.send(.delete, "/secrets/bulk-0")
        try await client.send(.patch, "/secrets/bulk-1", body: ["contentType": "changed"])

        // A stream of writes from 8 writers, killed with -9 in the middle: once 50 of its writes were
        // acknowledged, however long a loaded machine takes to get there.
        let acknowledgedSoFar = Counter()
        async let streamed = Self.writeUntilRefused(emulator, writers: 8, counting: acknowledgedSoFar)
        #expect(try await eventually(timeout: .seconds(120)) { acknowledgedSoFar.value >= 50 })
        await emulator.stop()
        let names = await streamed
        try await emulator.start()
        let after = try await emulator.client()
        let read = try await after.send(.get, "/secrets/durable")
        #expect(read.json["value"] as? String == "kept")
        #expect(read.id == set.id)
        #expect(try await after.send(.get, "/secrets/bulk-49").json["value"] as? String == "49")
        #expect(try await after.send(.get, "/deletedsecrets/bulk-0").status == 200)
        #expect(try await after.send(.get, "/secrets/bulk-1").json["contentType"] as? String == "changed")
        var lost = 0
        for name in names where try await after.send(.get, "/secrets/\(name)").json["value"] as? String != name {
            lost += 1
        }
        print("emulator kill -9 during a stream of writes: \(names.count) acknowledged, \(lost) lost after the restart")
        #expect(names.count > 0)
        #expect(lost == 0)
    }

    /// A count that writer tasks add to while the test reads it.
    final class Counter: Sendable {
        private let count = Atomic(0)
        var value: Int { count.load(ordering: .relaxed) }
        func increment() { count.wrappingAdd(1, ordering: .relaxed) }
    }

    /// Writes `stream-W-N` secrets from `writers` tasks until the emulator stops answering; returns
    /// the names whose writes were acknowledged, and counts each acknowledgement in `counting` as it comes.
    static func writeUntilRefused(_ emulator: PrivateEmulator, writers: Int, counting: Counter) async -> [String] {
        await withTaskGroup(of: [String].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    guard let client = try? await emulator.client() else { return [] }
                    var acknowledged: [String] = []
                    for index in 0... {
                        let name = "stream-\(writer)-\(index)"
                        guard let reply = try? await client.send(.put, "/secrets/\(name)", body: ["value": name]),
                            reply.status == 200
                        else { break }
                        acknowledged.append(name)
                        counting.increment()
                    }
                    return acknowledged
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    @Test func tokensAndCertificatesSurviveARestart() async throws {
        let emulator = try PrivateEmulator(arguments: ["--require-token-signature"])
        try await emulator.start()
        let before = try await emulator.client()
        await emulator.stop()
        try await emulator.start()
        // The same CA file and the token issued before the restart still work.
        #expect(try await before.send(.get, "/secrets").status == 200)
    }

    @Test func generatedTLSMaterialStaysInAPrivateDirectory() async throws {
        let emulator = try PrivateEmulator()
        try await emulator.start()
        let tls = emulator.directory + "/tls"
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: tls)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o700)
        await emulator.stop()

        // A directory others may write to (another local user could have planted a CA there) is refused.
        #expect(chmod(tls, 0o777) == 0)
        await #expect(throws: (any Error).self) { try await emulator.start() }
        #expect(chmod(tls, 0o755) == 0)
        try await emulator.start()
        let narrowed = try #require(try FileManager.default.attributesOfItem(atPath: tls)[.posixPermissions] as? Int)
        #expect(narrowed & 0o777 == 0o700)
    }

    @Test func givenCertificateFilesAndPlainHTTPModes() async throws {
        // A first emulator generates a CA and server certificate; a second one serves them as given files.
        let generator = try PrivateEmulator()
        try await generator.start()
        let tls = generator.directory + "/tls"
        let given = try PrivateEmulator(arguments: [
            "--tls-cert", tls + "/server.pem", "--tls-key", tls + "/server-key.pem",
        ])
        try await given.start()
        let http = try HTTPClient(configuration: .init(tls: .init(trust: .file(tls + "/ca.pem"))))
        var client = EmulatorClient(url: "https://127.0.0.1:\(given.port)", http: http)
        client.token = try await client.fetchToken()
        #expect(try await client.send(.get, "/secrets").status == 200)
        #expect(!FileManager.default.fileExists(atPath: given.directory + "/tls/ca.pem"))

        let plain = try PrivateEmulator(arguments: ["--insecure-http"])
        try await plain.start()
        var plainClient = EmulatorClient(url: "http://127.0.0.1:\(plain.port)", http: try HTTPClient())
        plainClient.token = try await plainClient.fetchToken()
        let listed = try await plainClient.send(.put, "/secrets/plain", body: ["value": "v"])
        #expect(listed.id.hasPrefix("http://127.0.0.1:\(plain.port)/secrets/plain/"))
    }

    @Test func throttlingFaultAnswers429WithAndWithoutRetryAfter() async throws {
        let emulator = try PrivateEmulator(arguments: ["--fault-throttle-rate", "1"])
        try await emulator.start()
        let client = try await emulator.client()
        var withRetryAfter = 0
        for _ in 0..<40 {
            let reply = try await client.send(.get, "/secrets")
            #expect(reply.status == 429)
            #expect(reply.errorCode == "Throttled")
            if reply.headers["Retry-After"] != nil { withRetryAfter += 1 }
        }
        #expect((1..<40).contains(withRetryAfter))
    }

    @Test func errorFaultAnswers503() async throws {
        let emulator = try PrivateEmulator(arguments: ["--fault-error-rate", "1"])
        try await emulator.start()
        let client = try await emulator.client()
        #expect(try await client.send(.get, "/secrets").status == 503)
    }

    @Test func latencyFaultDelaysVaultRequests() async throws {
        let emulator = try PrivateEmulator(arguments: ["--fault-latency", "300ms"])
        try await emulator.start()
        let client = try await emulator.client()
        let started = ContinuousClock.now
        #expect(try await client.send(.get, "/secrets").status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(300))
    }
}
