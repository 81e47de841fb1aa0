import Foundation
import TestEnvironment
import Testing

@testable import KeyVault

/// A "vault" that answers with a body without end, or a body nested without end: the client
/// stops reading at its limit and reports a malformed response, whatever the peer sends.
struct HostileVaultTests {
    func client(_ server: HostileServer) throws -> KeyVaultClient {
        try KeyVaultClient(
            config: ClientConfig(
                vaultURL: "http://127.0.0.1:\(server.port)", timeout: .seconds(60), credential: .staticToken("t")))
    }

    @Test func aBodyWithoutEndIsCutOffAtTheClientsLimit() async throws {
        let server = try HostileServer(
            reply: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{\"value\":\"",
            stream: String(repeating: "x", count: 4096))
        let client = try client(server)
        defer { client.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("any") }
        #expect(error?.code == .malformedResponse)
        #expect(await server.bytesSent() < 64 << 20)
    }

    @Test func aBundleNestedWithoutEndIsMalformedNotACrash() async throws {
        let body = String(repeating: "[", count: 200_000)
        let server = try HostileServer(
            reply: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                + body)
        let client = try client(server)
        defer { client.close() }
        let error = await #expect(throws: KeyVaultError.self) { try await client.getSecret("any") }
        #expect(error?.code == .malformedResponse)
    }
}
