import Foundation
import HTTPTransport
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct HTTPStreamingTests {
    @Test func watchDeliversEventsAsTheyHappen() async throws {
        let server = try KubeAPIServer()
        let list = try server.json(try await server.client.execute(server.request(.get, "/api/v1/namespaces")))
        let resourceVersion = (list["metadata"] as? [String: Any])?["resourceVersion"] as? String ?? "0"
        let watch = try await server.client.stream(
            server.request(.get, "/api/v1/namespaces?watch=1&timeoutSeconds=30&resourceVersion=\(resourceVersion)"))
        #expect(watch.status == 200)

        let name = try await server.createNamespace(prefix: "http-watch")
        let created = ContinuousClock.now
        for try await line in watch.body.lines {
            let event = try JSONSerialization.jsonObject(with: line) as? [String: Any]
            let object = event?["object"] as? [String: Any]
            if (object?["metadata"] as? [String: Any])?["name"] as? String == name {
                #expect(event?["type"] as? String == "ADDED")
                #expect(ContinuousClock.now - created < .seconds(2))
                watch.body.cancel()
                return
            }
        }
        Issue.record("the watch ended without the ADDED event")
    }

    @Test func cancellingTheConsumingTaskStopsTheStream() async throws {
        let server = try KubeAPIServer()
        let watch = try await server.client.stream(server.request(.get, "/api/v1/namespaces/kvo-quiet/configmaps?watch=1&timeoutSeconds=60"))
        let consumer = Task {
            var lines = 0
            for try await _ in watch.body.lines { lines += 1 }
            return lines
        }
        try await Task.sleep(for: .milliseconds(200))
        let cancelled = ContinuousClock.now
        consumer.cancel()
        let result = await consumer.result
        #expect(throws: CancellationError.self) { try result.get() }
        // Well before the server's 60 s timeout; room for the suite's start, when every test runs at
        // once (1.27 s was seen under that load in CI).
        #expect(ContinuousClock.now - cancelled < .seconds(5))
    }

    @Test func aSlowConsumerGetsEveryByteThroughBackPressure() async throws {
        let environment = try TestEnvironment.kubernetes()
        let small = try KubeAPIServer(configuration: .init(tls: .init(trust: .file(environment.caFile)), streamBufferLimit: 4096))
        // The OpenAPI document grows when another suite installs a CRD meanwhile: the streamed copy is
        // compared with whole copies fetched before and after it, and the exchange is repeated if those differ.
        for _ in 0..<5 {
            let before = try await small.client.execute(small.request(.get, "/openapi/v2"))
            #expect(before.status == 200)
            #expect(before.body.count > 100_000)

            let streamed = try await small.client.stream(small.request(.get, "/openapi/v2"))
            var received = Data()
            var chunks = 0
            for try await chunk in streamed.body {
                received.append(chunk)
                chunks += 1
                if chunks % 16 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            let after = try await small.client.execute(small.request(.get, "/openapi/v2"))
            guard before.body == after.body else { continue }
            #expect(received == before.body)
            return
        }
        Issue.record("the OpenAPI document changed during each of five exchanges")
    }

    @Test func streamsEndAtTheServersTimeout() async throws {
        let server = try KubeAPIServer()
        let watch = try await server.client.stream(server.request(.get, "/api/v1/namespaces/kvo-quiet/configmaps?watch=1&timeoutSeconds=1"))
        let started = ContinuousClock.now
        var lines = 0
        for try await _ in watch.body.lines { lines += 1 }
        #expect(ContinuousClock.now - started < .seconds(5))
    }
}
