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
        // The server ends the watch after 120 s: an event held back until the stream ends (buffered,
        // not streamed) would arrive only then, so half of that is a bound no load comes near.
        let watch = try await server.client.stream(
            server.request(.get, "/api/v1/namespaces?watch=1&timeoutSeconds=120&resourceVersion=\(resourceVersion)"))
        #expect(watch.status == 200)

        let name = try await server.createNamespace(prefix: "http-watch")
        let created = ContinuousClock.now
        for try await line in watch.body.lines {
            let event = try JSONSerialization.jsonObject(with: line) as? [String: Any]
            let object = event?["object"] as? [String: Any]
            if (object?["metadata"] as? [String: Any])?["name"] as? String == name {
                #expect(event?["type"] as? String == "ADDED")
                let elapsed = ContinuousClock.now - created
                print("HTTP watch: the ADDED event arrived \(elapsed) after the create returned")
                #expect(elapsed < .seconds(60))
                watch.body.cancel()
                return
            }
        }
        Issue.record("the watch ended without the ADDED event")
    }

    @Test func cancellingTheConsumingTaskStopsTheStream() async throws {
        let server = try KubeAPIServer()
        let watch = try await server.client.stream(
            server.request(.get, "/api/v1/namespaces/kvo-quiet/configmaps?watch=1&timeoutSeconds=60"))
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
        // Cut short of the server's 60 s timeout (without the cancellation the stream would end
        // only then, with no error): half of it is a margin no load reaches (1.27 s seen in CI).
        let elapsed = ContinuousClock.now - cancelled
        print("HTTP stream: the consumer ended \(elapsed) after its cancellation")
        #expect(elapsed < .seconds(30))
    }

    @Test func aSlowConsumerGetsEveryByteThroughBackPressure() async throws {
        let environment = try TestEnvironment.kubernetes()
        let small = try KubeAPIServer(
            configuration: .init(tls: .init(trust: .file(environment.caFile)), streamBufferLimit: 4096))
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
        let watch = try await server.client.stream(
            server.request(.get, "/api/v1/namespaces/kvo-quiet/configmaps?watch=1&timeoutSeconds=1"))
        let started = ContinuousClock.now
        var lines = 0
        for try await _ in watch.body.lines { lines += 1 }
        // The stream ends when the server ends it (after 1 s), not never: the bound only has to
        // tell those apart, so it is far above any load's delay.
        let elapsed = ContinuousClock.now - started
        print("HTTP stream: ended \(elapsed) after it began, at the server's 1 s timeout")
        #expect(elapsed < .seconds(30))
    }
}
