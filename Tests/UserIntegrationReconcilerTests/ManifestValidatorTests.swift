import Foundation
import TestEnvironment
import Testing
import UserIntegrationReconciler

/// `keyvault-operator validate`: the CRD's rules checked offline, with positions.
struct ManifestValidatorTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func manifest(
        _ spec: String, name: String = "r1", apiVersion: String = "integrations.keyvault.dev/v1alpha1"
    ) -> String {
        """
        apiVersion: \(apiVersion)
        kind: UserIntegration
        metadata:
          name: \(name)
          namespace: iot
        spec:
        \(spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  \($0)" }.joined(separator: "\n"))
        """
    }

    /// `line:col field` of each problem.
    static func problems(_ text: String) throws -> [String] {
        try ManifestValidator().validate(files: [("m.yaml", text)]).map { "\($0.position) \($0.field)" }
    }

    @Test func theEmbeddedRulesAreTheCRDInCrds() throws {
        let file = try String(
            contentsOf: Self.root.appendingPathComponent("crds/userintegrations.integrations.keyvault.dev.yaml"),
            encoding: .utf8)
        #expect(ManifestValidator.crdYAML == file, "run scripts/embed-crd")
    }

    @Test func theExamplesAreValid() throws {
        let directory = Self.root.appendingPathComponent("deploy/examples")
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil).filter {
            $0.pathExtension == "yaml"
        }
        #expect(files.count >= 3)
        let problems = try ManifestValidator().validate(
            files: try files.map { ($0.path, try String(contentsOf: $0, encoding: .utf8)) })
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test(arguments: [
        // (spec or whole document, expected "line:col field")
        ("userId: user-1\ntype: fax", "8:9 spec.type"),
        ("userId: User_1\ntype: weather", "7:11 spec.userId"),
        ("type: weather", "7:3 spec.userId"),
        ("userId: user-1", "7:3 spec.type"),
        ("userId: 123\ntype: weather", "7:11 spec.userId"),
        ("userId: user-1\ntype: weather\nexpiresAt: tomorrow", "9:14 spec.expiresAt"),
        ("userId: user-1\ntype: weather\nexpiresAt: \"2026-13-01T00:00:00Z\"", "9:14 spec.expiresAt"),
        ("userId: user-1\ntype: weather\ndeletionPolicy: Keep", "9:19 spec.deletionPolicy"),
        ("userId: user-1\ntype: weather\nsecretRef:\n  name: creds", "10:5 spec.secretRef.key"),
        ("userId: user-1\ntype: weather\nsecretRef:\n  name: Creds_1\n  key: k", "10:11 spec.secretRef.name"),
        ("userId: user-1\ntype: weather\nsecretRef:\n  name: creds\n  key: \"bad key\"", "11:10 spec.secretRef.key"),
        ("userId: user-1\ntype: weather\nsecretRef: creds", "9:14 spec.secretRef"),
        ("userId: user-1\ntype: weather\nexpires: \"2030-01-01T00:00:00Z\"", "9:3 spec.expires"),
    ])
    func aBadManifestIsReportedAtItsField(spec: String, expected: String) throws {
        #expect(try Self.problems(Self.manifest(spec)) == [expected])
    }

    @Test func anOverlongUserIdBreaksTwoRules() throws {
        let problems = try ManifestValidator().validate(files: [
            ("m.yaml", Self.manifest("userId: \(String(repeating: "a", count: 64))\ntype: weather"))
        ])
        #expect(problems.map(\.message).first == "longer than 63 characters")
        #expect(problems.count == 2)
    }

    @Test func documentLevelProblemsAreReported() throws {
        #expect(
            try Self.problems(Self.manifest("userId: u\ntype: weather", apiVersion: "integrations.keyvault.dev/v1"))
                == ["1:13 apiVersion"])
        #expect(try Self.problems(Self.manifest("userId: u\ntype: weather", name: "Bad_Name")) == ["4:9 metadata.name"])
        #expect(
            try Self.problems(
                "kind: UserIntegration\napiVersion: integrations.keyvault.dev/v1alpha1\nmetadata:\n  name: x\n") == [
                    "1:1 spec"
                ])
        #expect(try Self.problems("spec: [unclosed\n").count == 1)
    }

    @Test func twoResourcesForOneUserAndTypeAreAConflict() throws {
        let first = Self.manifest("userId: u\ntype: alexa", name: "a")
        let second = Self.manifest("userId: u\ntype: alexa", name: "b")
        let problems = try ManifestValidator().validate(files: [("one.yaml", first), ("two.yaml", second)])
        #expect(
            problems.map(\.description) == [
                "two.yaml:8:9: spec.type: user u already has a alexa integration in this namespace (one.yaml:1:1); the second would be a Conflict"
            ])
    }

    @Test func otherKindsAreSkipped() throws {
        #expect(
            try Self.problems(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: Not_Checked\n---\n"
                    + Self.manifest("userId: u\ntype: ifttt")
            ).isEmpty)
    }

    @Test func theCommandExitsNonZeroAndPrintsPositions() async throws {
        let binary =
            (ProcessInfo.processInfo.environment["KVO_TEST_BIN_DIR"] ?? Self.root.path + "/.build/debug")
            + "/keyvault-operator"
        let invalid = Self.root.appendingPathComponent("deploy/examples/invalid/unknown-type.yaml").path
        let process = try ChildProcess(
            binary,
            arguments: [
                "validate", "-f", Self.root.appendingPathComponent("deploy/examples/user-123.yaml").path, "-f", invalid,
            ],
            output: .capture)
        let result = await process.waitForOutput()
        #expect(result.termination == .exited(1))
        let printed = String(decoding: result.output, as: UTF8.self)
        #expect(
            printed.split(separator: "\n").map { $0.split(separator: " ").first ?? "" } == [
                "\(invalid):10:11:", "\(invalid):11:9:",
            ])
    }

    /// A directory means its manifests, as kubectl reads `-f DIR`; `-R` adds its subdirectories'.
    @Test func directoriesAreReadAndRecursivelyWithR() async throws {
        let binary =
            (ProcessInfo.processInfo.environment["KVO_TEST_BIN_DIR"] ?? Self.root.path + "/.build/debug")
            + "/keyvault-operator"
        let examples = Self.root.appendingPathComponent("deploy/examples").path
        func validate(_ arguments: [String]) async throws -> (ChildProcess.Termination, String) {
            let process = try ChildProcess(binary, arguments: ["validate"] + arguments, output: .capture)
            let result = await process.waitForOutput()
            return (result.termination, String(decoding: result.output + result.error, as: UTF8.self))
        }
        let (flat, _) = try await validate(["-f", examples])
        #expect(flat == .exited(0), "the examples themselves are valid")
        let (recursive, printed) = try await validate(["-f", examples, "-R"])
        #expect(recursive == .exited(1), "the invalid example lies in a subdirectory")
        #expect(printed.contains("invalid/unknown-type.yaml:10:11:"))
        let empty = TestEnvironment.scratchDirectory + "/no-manifests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let (none, message) = try await validate(["-f", empty])
        #expect(none == .exited(2))
        #expect(message.contains("no .yaml, .yml or .json files"))
    }
}
