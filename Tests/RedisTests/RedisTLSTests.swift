import Foundation
import Redis
import TestEnvironment
import Testing

/// TLS against real TLS-only redis-servers (`--port 0 --tls-port`) and the test rig's CA.
@Suite(.enabled(if: TestEnvironment.shouldRun(.redisTLS)))
struct RedisTLSTests {
    private func makeClient(
        port: Int? = nil, caFile: String? = nil, certificate: TestEnvironment.RedisTLS.Certificate? = nil,
        serverName: String? = nil, poolSize: Int = 4, connectTimeout: Duration = .seconds(10)
    ) throws -> RedisClient {
        let tls = try TestEnvironment.redisTLS()
        let identity = certificate.map { tls.certificate($0) }
        let configuration = try RedisClient.TLSConfiguration(
            caFile: caFile ?? tls.caFile, certificateFile: identity?.certificate, keyFile: identity?.key,
            serverName: serverName)
        return RedisClient(
            patient: .init(
                host: "127.0.0.1", port: port ?? tls.port, poolSize: poolSize, connectTimeout: connectTimeout,
                tls: configuration))
    }

    @Test func loneAndPipelinedCallersWorkOverTLS() async throws {
        let client = try makeClient(poolSize: 2)
        defer { client.close() }
        let prefix = "tls:\(UUID().uuidString):"
        try await client.set(prefix + "lone", Data("v"))
        #expect(try await client.get(prefix + "lone") == Data("v"))
        // Large values cross several TLS records each.
        let large = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let value = index % 10 == 0 ? large : Data("v\(index)".utf8)
                    let replies = try await client.pipeline([
                        .set(prefix + "\(index)", value), .get(prefix + "\(index)"),
                    ])
                    #expect(replies == [.status("OK"), .bulk(value)])
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func aCertificateFromAnotherCAIsRefusedWithTheReason() async throws {
        let tls = try TestEnvironment.redisTLS()
        let client = try makeClient(caFile: tls.wrongCAFile)
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .tlsFailed)
        // The server sends its CA along: OpenSSL names the chain's root as untrusted.
        #expect(error?.message.contains("certificate is refused: self-signed certificate in certificate chain") == true)
    }

    @Test func aCertificateForAnotherNameIsRefusedUnlessThatNameIsExpected() async throws {
        let tls = try TestEnvironment.redisTLS()
        let server = try PrivateRedis(tls: tls, certificate: .otherName)
        try await server.start()
        let byAddress = try makeClient(port: server.port)
        defer { byAddress.close() }
        let error = await #expect(throws: RedisError.self) { try await byAddress.ping() }
        #expect(error?.code == .tlsFailed)
        #expect(error?.message.contains("mismatch") == true)

        let byName = try makeClient(port: server.port, serverName: "redis.other.example")
        defer { byName.close() }
        try await byName.ping()
    }

    @Test func anExpiredCertificateIsRefused() async throws {
        let tls = try TestEnvironment.redisTLS()
        let server = try PrivateRedis(tls: tls, certificate: .expired)
        try await server.start()
        let client = try makeClient(port: server.port)
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .tlsFailed)
        #expect(error?.message.contains("certificate has expired") == true)
    }

    @Test func mutualTLSNeedsTheClientCertificate() async throws {
        let tls = try TestEnvironment.redisTLS()
        let server = try PrivateRedis(tls: tls, certificate: .server, requireClients: true)
        try await server.start()
        let anonymous = try makeClient(port: server.port)
        defer { anonymous.close() }
        await #expect(throws: RedisError.self) { try await anonymous.ping() }

        let identified = try makeClient(port: server.port, certificate: .client)
        defer { identified.close() }
        try await identified.set("k", Data("v"))
        #expect(try await identified.get("k") == Data("v"))
    }

    @Test func aTLSClientAgainstAPlainPortFailsClearly() async throws {
        let redis = try TestEnvironment.redis()
        // A plain Redis waits for a line end that a TLS ClientHello does not have.
        let client = try makeClient(port: redis.port, connectTimeout: .seconds(1))
        defer { client.close() }
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.code == .tlsFailed)
        #expect(error?.message.contains("does the server speak TLS") == true)
    }

    @Test func aKilledConnectionIsReplacedWithANewTLSSession() async throws {
        let client = try makeClient(poolSize: 1)
        defer { client.close() }
        let id = try #require(try await client.send(RedisCommand("CLIENT", "ID")).integer)
        let admin = try makeClient(poolSize: 1)
        defer { admin.close() }
        let killed = try await admin.send(RedisCommand("CLIENT", "KILL", "ID", String(id)))
        #expect(killed.integer == 1)
        try await client.set("after-kill", Data("1"))
        #expect(try await client.get("after-kill") == Data("1"))
    }

    @Test func invalidationsArriveOverTLS() async throws {
        let tls = try TestEnvironment.redisTLS()
        let configuration = try RedisClient.TLSConfiguration(caFile: tls.caFile)
        let prefix = "tls-inv:\(UUID().uuidString):"
        let subscription = RedisKeyInvalidations(
            configuration: .init(host: "127.0.0.1", port: tls.port, tls: configuration), prefixes: [prefix])
        let inbox = RedisKeyInvalidationsTests.Inbox()
        let task = Task { await subscription.run(inbox.add) }
        defer { task.cancel() }
        try await inbox.waitFor { $0.contains(.everything) }
        let writer = try makeClient()
        defer { writer.close() }
        try await writer.set(prefix + "k", Data("v"))
        try await inbox.waitFor { _ in inbox.keys().contains(prefix + "k") }
    }

    @Test func unusableFilesAreRefusedNamingTheFile() throws {
        let tls = try TestEnvironment.redisTLS()
        let client = tls.certificate(.client)
        let missing = #expect(throws: RedisTLSFileError.self) {
            try RedisClient.TLSConfiguration(caFile: tls.directory + "/missing.crt")
        }
        #expect(missing?.file == .caFile)
        #expect(missing?.message.contains("missing.crt") == true)
        let notPEM = #expect(throws: RedisTLSFileError.self) {
            try RedisClient.TLSConfiguration(caFile: tls.directory + "/ca.cnf")
        }
        #expect(notPEM?.file == .caFile)
        let withoutKey = #expect(throws: RedisTLSFileError.self) {
            try RedisClient.TLSConfiguration(certificateFile: client.certificate)
        }
        #expect(withoutKey?.file == .keyFile)
        let wrongKey = #expect(throws: RedisTLSFileError.self) {
            try RedisClient.TLSConfiguration(certificateFile: client.certificate, keyFile: tls.certificate(.server).key)
        }
        #expect(wrongKey?.file == .keyFile)
    }
}
