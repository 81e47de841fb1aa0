import Foundation
import Kubernetes
import TestEnvironment
import Testing

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct LeaderElectionTests {
    /// A renew deadline far above any renewal round's time on a loaded machine (a GET and a PUT),
    /// so the leader only loses the lease when a test takes it away; frequent retries.
    static let steady = LeaderElector.Timing(
        leaseDuration: .seconds(10), renewDeadline: .seconds(8), retryPeriod: .milliseconds(300))

    @Test func exactlyOneLeadsAndTheOtherTakesOverWhenItStops() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "election")
        let first = LeaderElector(
            client: client, namespace: namespace, name: "lock", identity: "first", timing: Self.steady)
        let second = LeaderElector(
            client: client, namespace: namespace, name: "lock", identity: "second", timing: Self.steady)
        let firstTask = Task { try await first.run { try await Task.sleep(for: .seconds(3600)) } }
        #expect(try await eventually { first.isLeader })
        let secondTask = Task { try await second.run { try await Task.sleep(for: .seconds(3600)) } }
        defer { secondTask.cancel() }
        // Longer than the lease duration (10 s): the leader keeps renewing, the other never leads.
        let watching = ContinuousClock.now
        while ContinuousClock.now - watching < .seconds(11) {
            try await Task.sleep(for: .milliseconds(250))
            #expect(first.isLeader != second.isLeader)
        }
        #expect(first.isLeader)

        firstTask.cancel()
        _ = await firstTask.result
        let stopped = ContinuousClock.now
        #expect(try await eventually { second.isLeader })
        print("leader election: the other candidate led \(ContinuousClock.now - stopped) after the leader stopped")
        let lease = try await client.get(Lease.self, .leases, namespace: namespace, name: "lock")
        #expect(lease.spec?.holderIdentity == "second")
        // No transition counted: the second took a lease the first had released (no holder), not
        // one that had expired while the first held it; this, not a time, shows it did not wait.
        #expect(lease.spec?.leaseTransitions == 0)
    }

    @Test func aLeaderThatStopsRenewingLosesTheLeaseAfterItsDuration() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "expiry")
        // A lease held by a candidate that vanished without releasing it.
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'.000000Z'"
        let now = formatter.string(from: Date())
        _ = try await client.create(
            Lease(
                metadata: .init(name: "lock", namespace: namespace),
                spec: .init(holderIdentity: "gone", leaseDurationSeconds: 3, renewTime: now)),
            .leases)
        // The candidate's own lease duration is 60 s: it must go by the 3 s the lease names.
        let timing = LeaderElector.Timing(
            leaseDuration: .seconds(60), renewDeadline: .seconds(40), retryPeriod: .milliseconds(300))
        let candidate = LeaderElector(
            client: client, namespace: namespace, name: "lock", identity: "candidate", timing: timing)
        let started = ContinuousClock.now
        let task = Task { try await candidate.run { try await Task.sleep(for: .seconds(3600)) } }
        defer { task.cancel() }
        try await Task.sleep(for: .seconds(1))
        // Not before the lease's 3 s, counted from the candidate's first look, after `started` (a
        // thread stalled past those 3 s makes this check moot, not wrong).
        let ledEarly = candidate.isLeader
        #expect(!ledEarly || ContinuousClock.now - started >= .seconds(3))
        #expect(try await eventually { candidate.isLeader })
        let elapsed = ContinuousClock.now - started
        print("leader election: a lease left by a vanished holder was taken after \(elapsed) (lease duration 3 s)")
        #expect(elapsed >= .seconds(3))
        // By the lease's 3 s, not the candidate's own 60 s: half of those is a margin no load reaches.
        #expect(elapsed < .seconds(30))
    }
}

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct EventRecorderTests {
    @Test func repeatsBecomeASeriesOnOneEvent() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "events")
        let object = try await client.create(
            ConfigMap(metadata: .init(name: "subject", namespace: namespace)), .configMaps)
        let recorder = EventRecorder(client: client, controller: "keyvault.dev/test", instance: "test-1")
        async let running: Void = recorder.run()
        let reference = Event.Reference(
            apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: "subject", uid: object.metadata.uid)
        for _ in 0..<3 {
            recorder.record(
                regarding: reference, type: .warning, reason: "SyncFailed", action: "Sync", note: "vault unreachable")
        }
        recorder.record(regarding: reference, type: .normal, reason: "Synced", action: "Sync", note: "written")
        recorder.finish()
        await running
        let events = try await client.list(Event.self, .events, namespace: namespace).items
        #expect(events.count == 2)
        let failed = try #require(events.first { $0.reason == "SyncFailed" })
        #expect(failed.series?.count == 3)
        #expect(failed.type == "Warning")
        #expect(failed.regarding?.uid == object.metadata.uid)
        #expect(failed.reportingController == "keyvault.dev/test")
        #expect(events.first { $0.reason == "Synced" }?.series == nil)
    }

    @Test func aFullQueueDropsNormalEventsBeforeAnyWarning() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "events")
        let recorder = EventRecorder(client: client, controller: "keyvault.dev/test", instance: "test-1", capacity: 3)
        func reference(_ name: String) -> Event.Reference {
            .init(apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: name, uid: name)
        }
        // Nothing writes yet: recording returns at once however many wait.
        for index in 0..<3 {
            recorder.record(
                regarding: reference("n\(index)"), type: .normal, reason: "Synced", action: "Sync", note: "ok")
        }
        for index in 0..<4 {
            recorder.record(
                regarding: reference("w\(index)"), type: .warning, reason: "Failed", action: "Sync", note: "down")
        }
        async let running: Void = recorder.run()
        recorder.finish()
        await running
        let names = Set(
            try await client.list(Event.self, .events, namespace: namespace).items.compactMap(\.regarding?.name))
        // Three Warnings took the Normals' places; the fourth found only Warnings and was dropped.
        #expect(names == ["w0", "w1", "w2"])
    }

    @Test func whileTheCallerIsBusyEventsGoOutOneASecond() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "events")
        let recorder = EventRecorder(
            client: client, controller: "keyvault.dev/test", instance: "test-1", isBusy: { true })
        let started = ContinuousClock.now
        let writing = Task { await recorder.run() }
        defer { writing.cancel() }
        for index in 0..<4 {
            recorder.record(
                regarding: .init(
                    apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: "o\(index)", uid: "o\(index)"),
                type: .normal, reason: "Synced", action: "Sync", note: "ok")
        }
        #expect(
            try await eventually {
                try await client.list(Event.self, .events, namespace: namespace).items.count == 4
            })
        // The first at once, each of the others a busy interval after the one before it (a loaded
        // machine only makes it later).
        #expect(ContinuousClock.now - started >= recorder.busyInterval * 3)
    }

    @Test func aShutdownWritesWhatIsQueuedEvenWhileBusy() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "events")
        // Paced to one an hour: only an unpaced drain writes the rest before the test gives up.
        let recorder = EventRecorder(
            client: client, controller: "keyvault.dev/test", instance: "test-1", isBusy: { true },
            busyInterval: .seconds(3600))
        func record(_ index: Int) {
            recorder.record(
                regarding: .init(
                    apiVersion: "v1", kind: "ConfigMap", namespace: namespace, name: "o\(index)", uid: "o\(index)"),
                type: .warning, reason: "Failed", action: "Sync", note: "down")
        }
        func written() async throws -> Int {
            try await client.list(Event.self, .events, namespace: namespace).items.count
        }
        let writing = Task { await recorder.run() }
        defer { writing.cancel() }
        record(0)
        #expect(try await eventually { try await written() == 1 })
        // The next write waits for the hour now; the shutdown must not.
        for index in 1..<5 { record(index) }
        recorder.finish(within: .seconds(60))
        #expect(try await eventually(timeout: .seconds(120)) { try await written() == 5 })
    }
}

@Suite(.enabled(if: TestEnvironment.shouldRun(.kubernetes)))
struct MetadataOnlyTests {
    struct Secret: KubernetesObject {
        var apiVersion: String? = "v1"
        var kind: String? = "Secret"
        var metadata: ObjectMeta
        var stringData: [String: String]?
    }

    @Test func secretsListAndWatchWithoutTheirData() async throws {
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "metadata")
        _ = try await client.create(
            Secret(metadata: .init(name: "s1", namespace: namespace), stringData: ["k": "value-marker"]), .secrets)
        let listed = try await client.listAll(
            PartialObjectMetadata.self, .secrets, namespace: namespace, metadataOnly: true)
        #expect(listed.items.compactMap(\.metadata.name).contains("s1"))
        #expect(listed.items.allSatisfy { $0.kind == "PartialObjectMetadata" })

        let stream = try await client.watch(
            // The server's end of the watch only stops a test whose event never comes: far past any load's delay.
            PartialObjectMetadata.self, .secrets, namespace: namespace, resourceVersion: listed.resourceVersion,
            timeoutSeconds: 120,
            metadataOnly: true)
        _ = try await client.create(
            Secret(metadata: .init(name: "s2", namespace: namespace), stringData: ["k": "v"]), .secrets)
        for try await event in stream {
            if case .added(let object) = event, object.metadata.name == "s2" {
                #expect(object.kind == "PartialObjectMetadata")
                return
            }
        }
        Issue.record("no ADDED event for s2")
    }

    @Test func anEmptyMetadataOnlyListIsEmpty() async throws {
        // The 1.20 server sends `"items": null` for an empty PartialObjectMetadataList.
        let client = try KubernetesTestSupport.adminClient()
        let namespace = try await KubernetesTestSupport.namespace(client, prefix: "metadata-empty")
        let listed = try await client.listAll(
            PartialObjectMetadata.self, .secrets, namespace: namespace, metadataOnly: true)
        #expect(listed.items.isEmpty)
        #expect(!listed.resourceVersion.isEmpty)
    }
}

struct TokenBucketTests {
    @Test func burstIsFreeThenTokensArriveAtTheRate() {
        let start = ContinuousClock.now
        let bucket = TokenBucket(qps: 10, burst: 3, now: start)
        #expect((0..<3).map { _ in bucket.reserve(now: start) } == [.zero, .zero, .zero])
        #expect(bucket.reserve(now: start) == .milliseconds(100))
        #expect(bucket.reserve(now: start) == .milliseconds(200))
        let later = start + .seconds(10)
        #expect(bucket.reserve(now: later) == .zero)
    }
}
