import ArgumentParser
import Foundation

/// How a command prints what it found, as kubectl's `-o` chooses: a table with a header row, or
/// a list of objects in JSON or YAML for scripts (keys are the columns' names in lower case).
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, yaml

    /// The `-o/--output` option.
    struct Option: ParsableArguments {
        @ArgumentParser.Option(name: [.customShort("o"), .long], help: "table, json or yaml.")
        var output: OutputFormat = .table
    }

    /// `rows` under `columns` in this format.
    func render(columns: [String], rows: [[String]]) -> String {
        switch self {
        case .table:
            return CommandSupport.table([columns.map { $0.uppercased() }] + rows)
        case .json:
            let objects = rows.map { Dictionary(uniqueKeysWithValues: zip(Self.keys(columns), $0)) }
            let data =
                (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        case .yaml:
            guard !rows.isEmpty else { return "[]" }
            // JSON's string quoting is YAML's double-quoted style: every value stays a string.
            return rows.map { row in
                zip(Self.keys(columns), row).enumerated().map { index, pair in
                    "\(index == 0 ? "- " : "  ")\(pair.0): \(Self.quoted(pair.1))"
                }.joined(separator: "\n")
            }.joined(separator: "\n")
        }
    }

    private static func keys(_ columns: [String]) -> [String] {
        columns.map { $0.lowercased().replacingOccurrences(of: " ", with: "_") }
    }

    private static func quoted(_ value: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [value], options: [.withoutEscapingSlashes])) ?? Data()
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }
}
