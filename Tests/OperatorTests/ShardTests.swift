import Foundation
import KeyVault
import Kubernetes
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// Shards as Flux shards its controllers: each process watches the UserIntegrations its
/// `--watch-label-selector` matches, with a Lease of its own; a relabelled resource moves from one
/// to the other without a second vault write.
@Suite(
    .enabled(
        if: TestEnvironment.shouldRun(.kubernetes) && TestEnvironment.shouldRun(.emulator)
            && TestEnvironment.shouldRun(.redis)))
struct ShardTests {
    static let shardLabel = "integrations.keyvault.dev/shard"

    @Test func eachResourceBelongsToOneShardAndMovesWhenRelabelled() async throws {
        let main = try await OperatorHarness(
            leaderElect: true, arguments: ["--watch-label-selector", "\(Self.shardLabel) notin (shard1)"])
        let shard = try await OperatorHarness(
            namespace: main.namespace, leaderElect: true,
            arguments: ["--watch-label-selector", "\(Self.shardLabel)=shard1", "--leader-election-id", "shard1"])
        let user = OperatorEndToEndTests.user()
        try await main.createSecret("creds", key: "k", value: "sharded-value-4f2")
        let types = ["weather", "alexa", "ifttt", "sms_notification"]
        for (index, type) in types.enumerated() {
            try await main.create(
                "r\(index)", userID: user, type: type, secretRef: ("creds", "k"),
                labels: index < 2 ? [Self.shardLabel: "shard1"] : nil)
        }
        for index in types.indices { _ = try await main.waitFor("r\(index)") { $0.status?.state == .connected } }

        // A process holds (and exports) only its share.
        func watches(_ harness: OperatorHarness, _ name: String) async throws -> Bool {
            try await harness.metric(
                #"userintegration_ready{namespace="\#(main.namespace)",name="\#(name)",type="\#(types[Int(name.dropFirst())!])"}"#
            )
                != nil
        }
        for index in types.indices {
            #expect(try await watches(shard, "r\(index)") == (index < 2), "r\(index) in shard1")
            #expect(try await watches(main, "r\(index)") == (index >= 2), "r\(index) in the main process")
        }

        // r2 moves to shard1: the main process lets go, shard1 takes it over, the vault is written once.
        _ = try await main.kube.patch(
            UserIntegration.self, UserIntegration.resource, namespace: main.namespace, name: "r2",
            patch: Data(#"{"metadata":{"labels":{"\#(Self.shardLabel)":"shard1"}}}"#.utf8))
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                try await watches(shard, "r2")
            }, "shard1 took r2 over")
        #expect(
            try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                !(try await watches(main, "r2"))
            }, "the main process let r2 go")
        #expect(try await main.get("r2").status?.state == .connected)
        for index in types.indices {
            let name = try #require(try await main.get("r\(index)").status?.vaultSecretName)
            let puts = try await main.vaultRequests("PUT", "/secrets/\(name)")
            #expect(puts == 1, "r\(index) written \(puts) times")
        }
    }

    /// The resources whose `userintegration_ready` gauge a process exports: those it watches.
    static func exported(by harness: OperatorHarness) async throws -> Set<String> {
        let body = try await harness.endpoint("/metrics").body
        let prefix = #"userintegration_ready{namespace="\#(harness.namespace)",name=""#
        return Set(
            body.split(separator: "\n").compactMap { line in
                guard line.hasPrefix(prefix) else { return nil }
                return line.dropFirst(prefix.count).split(separator: "\"").first.map(String.init)
            })
    }

    @Test func aMainProcessAndTwoShardsEachOwnTheirShareAndAShardsCrashStaysItsOwn() async throws {
        // 600 in the suite, as the issue asks; KVO_SHARD_RESOURCES changes it.
        let count = Int(ProcessInfo.processInfo.environment["KVO_SHARD_RESOURCES"] ?? "") ?? 600
        let shards = ["", "shard1", "shard2"]
        func arguments(_ shard: String) -> [String] {
            shard.isEmpty
                ? ["--watch-label-selector", "\(Self.shardLabel) notin (shard1,shard2)"]
                : ["--watch-label-selector", "\(Self.shardLabel)=\(shard)", "--leader-election-id", shard]
        }
        let main = try await OperatorHarness(leaderElect: true, arguments: arguments(""))
        var processes = [main]
        for shard in shards.dropFirst() {
            processes.append(
                try await OperatorHarness(namespace: main.namespace, leaderElect: true, arguments: arguments(shard)))
        }
        let user = OperatorEndToEndTests.user()
        try await main.createSecret("creds", key: "k", value: "sharded-value-4f2")
        func create(_ names: [Int], prefix: String) async throws {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<16 {
                    group.addTask {
                        for index in stride(from: worker, to: names.count, by: 16).map({ names[$0] }) {
                            let shard = shards[index % 3]
                            try await main.create(
                                "\(prefix)-\(index)", userID: "\(user)-\(prefix)-\(index)", type: "weather",
                                secretRef: ("creds", "k"), labels: shard.isEmpty ? nil : [Self.shardLabel: shard])
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        func waitForConnected(_ prefix: String, _ expected: Int) async throws -> Bool {
            try await eventually(timeout: .seconds(300), every: .milliseconds(500)) {
                try await main.connectedCount(prefix: "\(prefix)-") >= expected
            }
        }
        let started = ContinuousClock.now
        try await create(Array(0..<count), prefix: "r")
        #expect(try await waitForConnected("r", count), "all \(count) connected")
        print(
            "shards: \(count) resources over a main process and two shards connected in \(ContinuousClock.now - started)"
        )

        // Each resource is watched, reconciled and written by exactly the process its label names.
        for (process, shard) in zip(processes, shards) {
            let expected = Set((0..<count).filter { shards[$0 % 3] == shard }.map { "r-\($0)" })
            #expect(try await Self.exported(by: process) == expected, "the share of \(shard.isEmpty ? "main" : shard)")
            let reconciled = try await process.reconciles()
            print(
                "shards: \(shard.isEmpty ? "main" : shard) reconciled \(Int(reconciled)) times for \(expected.count) resources"
            )
        }

        // shard1 crashes. New resources for the others converge meanwhile; shard1's wait for it.
        await processes[1].kill()
        try await create(Array(0..<30), prefix: "late")
        let others = (0..<30).filter { $0 % 3 != 1 }
        #expect(try await waitForConnected("late", others.count), "the others' resources converge without shard1")
        for index in (0..<30).filter({ $0 % 3 == 1 }) {
            #expect(try await main.get("late-\(index)").status == nil, "late-\(index) was taken by another process")
        }
        let restarted = try await OperatorHarness(
            namespace: main.namespace, leaderElect: true, arguments: arguments("shard1"))
        #expect(try await waitForConnected("late", 30), "shard1's resources converge after its restart")
        #expect(try await waitForConnected("r", count), "the first resources stay connected")
        _ = restarted

        // One vault version each: no resource was written by two processes, or twice.
        for name in (0..<count).map({ "r-\($0)" }) + (0..<30).map({ "late-\($0)" }) {
            let versions = try await main.vault.listSecretVersions("user-\(user)-\(name)-weather")
            #expect(versions.count == 1, "\(name) has \(versions.count) vault versions")
        }
    }
}
