import Foundation
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
}
