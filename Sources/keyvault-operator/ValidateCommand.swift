import ArgumentParser
import Foundation
import UserIntegrationReconciler

/// `keyvault-operator validate -f FILE|DIR... [-R]`: UserIntegration manifests checked offline
/// against the CRD's rules, for GitOps pipelines. Prints `file:line:col: field: problem`; exits 1
/// on any problem, 2 when a file cannot be read. A directory means its `.yaml`, `.yml` and `.json`
/// files (with `-R`, its subdirectories' too), as kubectl reads them.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check UserIntegration manifests offline against the CRD (exit 1 on any problem).")

    @Option(
        name: [.customShort("f"), .customLong("filename")],
        help: "A manifest file, a directory of them, or - for standard input (repeatable).")
    var files: [String]
    @Flag(name: [.customShort("R"), .long], help: "Read the directories given with -f recursively.")
    var recursive = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one manifest with -f FILE") }
    }

    func run() throws {
        var inputs: [(path: String, text: String)] = []
        for path in try files.flatMap(manifests) {
            let data =
                path == "-"
                ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path)
            guard let data, let text = String(data: data, encoding: .utf8) else {
                CommandSupport.printError("\(path): cannot read the file (missing, unreadable or not UTF-8)")
                throw ExitCode(2)
            }
            inputs.append((path == "-" ? "<stdin>" : path, text))
        }
        let problems = try ManifestValidator().validate(files: inputs)
        for problem in problems { print(problem) }
        guard problems.isEmpty else {
            CommandSupport.printError(
                "\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(Set(problems.map(\.file)).count) of \(inputs.count) file\(inputs.count == 1 ? "" : "s")"
            )
            throw ExitCode(1)
        }
    }

    /// `path` itself, or the manifests of the directory it names (sorted, as kubectl reads them).
    private func manifests(in path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard path != "-", FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else { return [path] }
        let root = URL(fileURLWithPath: path)
        let names: [String]
        if recursive {
            names = FileManager.default.enumerator(atPath: path)?.compactMap { $0 as? String } ?? []
        } else {
            names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        }
        let found = names.filter { name in [".yaml", ".yml", ".json"].contains { name.hasSuffix($0) } }.sorted()
            .map { root.appendingPathComponent($0).path }
        guard !found.isEmpty else {
            CommandSupport.printError(
                "\(path): no .yaml, .yml or .json files\(recursive ? "" : " (-R reads subdirectories)")")
            throw ExitCode(2)
        }
        return found
    }
}
