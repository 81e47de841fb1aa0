import ArgumentParser
import Foundation
import UserIntegrationReconciler

/// `keyvault-operator validate -f FILE...`: UserIntegration manifests checked offline against the
/// CRD's rules, for GitOps pipelines. Prints `file:line:col: field: problem`; exits 1 on any problem.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check UserIntegration manifests offline against the CRD (exit 1 on any problem).")

    @Option(
        name: [.customShort("f"), .customLong("filename")],
        help: "A manifest file, or - for standard input (repeatable).")
    var files: [String]

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one manifest with -f FILE") }
    }

    func run() throws {
        var inputs: [(path: String, text: String)] = []
        for path in files {
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
}
