import ArgumentParser
import Foundation
import KeyVault

/// Where a command reads a secret value from: `--value-file`, standard input, or `--value` (which
/// every user of the machine can read in the process list, so the others come first in the help).
struct ValueInput: ParsableArguments {
    @Option(help: "A file holding the value.") var valueFile: String?
    @Option(help: "The value itself: visible in the process list; prefer --value-file or standard input.")
    var value: String?

    /// The value: `--value`, else the file's content, else standard input (one trailing newline dropped).
    func read() throws -> String {
        if let value { return value }
        if let valueFile {
            guard let data = FileManager.default.contents(atPath: valueFile) else {
                throw KeyVaultError(.invalidInput, "cannot read the value file", context: ["file": valueFile])
            }
            return String(decoding: data, as: UTF8.self)
        }
        let data = FileHandle.standardInput.readDataToEndOfFile()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    func validate() throws {
        guard value == nil || valueFile == nil else {
            throw ValidationError("--value and --value-file exclude each other.")
        }
    }
}
