import Foundation
import HTTPTransport
import TestEnvironment
import Testing

/// Hostile servers: a body past the client's limit, declared or not, compressed or not, and a
/// stream line without end are cut off with `responseTooLarge`; nothing grows without bound.
struct ResponseLimitTests {
    let client: HTTPClient

    init() throws {
        client = try HTTPClient(configuration: .init(maxResponseBodyBytes: 1 << 20))
    }

    @Test func aDeclaredLengthPastTheLimitFailsBeforeTheBodyIsRead() async throws {
        let server = try HostileServer(
            reply: "HTTP/1.1 200 OK\r\nContent-Length: 4294967296\r\n\r\n", stream: String(repeating: "x", count: 4096))
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        }
        #expect(error?.code == .responseTooLarge)
        #expect(await server.bytesSent() < 64 << 20)
    }

    @Test func anUndeclaredBodyIsCountedAsItArrives() async throws {
        let server = try HostileServer(
            reply: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", stream: String(repeating: "x", count: 4096))
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        }
        #expect(error?.code == .responseTooLarge)
        #expect(error?.description.contains("1048576") == true)
        #expect(await server.bytesSent() < 64 << 20)
    }

    /// 8 MiB of zeros gzip to about 8 KiB: the limit applies to what the body decompresses to.
    @Test func aCompressedBodyIsLimitedByItsDecompressedSize() async throws {
        let bomb = try await Self.gzip(Data(count: 8 << 20))
        #expect(bomb.count < 64 << 10)
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n"
        let server = try HostileServer(reply: Array(head.utf8) + Array(bomb))
        let error = await #expect(throws: HTTPError.self) {
            try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        }
        #expect(error?.code == .responseTooLarge)

        // The same body under the limit decompresses as usual.
        let small = try await Self.gzip(Data(repeating: 0x61, count: 4096))
        let fine = try HostileServer(
            reply: Array(
                "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(small.count)\r\n\r\n".utf8)
                + Array(small))
        let response = try await client.execute(HTTPRequest(url: "http://127.0.0.1:\(fine.port)/"))
        #expect(response.body == Data(repeating: 0x61, count: 4096))
    }

    @Test func aStreamedLineWithoutEndIsCutOff() async throws {
        let server = try HostileServer(
            reply: "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{\"type\":\"ADDED\"}\n",
            stream: String(repeating: "x", count: 4096))
        let response = try await client.stream(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        var lines = response.body.lines(maxLineBytes: 1 << 20).makeAsyncIterator()
        #expect(try await lines.next() == Data(#"{"type":"ADDED"}"#.utf8))
        let error = await #expect(throws: HTTPError.self) { _ = try await lines.next() }
        #expect(error?.code == .responseTooLarge)
        #expect(await server.bytesSent() < 64 << 20)
    }

    /// `data` through gzip, on threads of its own: the test's task waits without holding one of
    /// the cooperative pool's few threads, which other suites' clients need meanwhile.
    static func gzip(_ data: Data) async throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-c", "-9"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let compressed = OneShot<Data>()
        Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }.start()
        Thread {
            let bytes = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            compressed.set(bytes)
        }.start()
        return await compressed.wait()
    }
}
