import Foundation

/// The benchmark's table: one row per figure, with its target and whether it was met, printed as
/// it goes and written as JSON.
struct ScaleReport {
    struct Row: Encodable {
        var figure: String
        var value: Double
        var unit: String
        var target: String
        var met: Bool?
    }
    private(set) var rows: [Row] = []
    /// Context for the JSON: settings, machine.
    var settings: [String: String] = [:]

    /// Adds and prints a row; `met` is nil for a figure without a target.
    mutating func add(_ figure: String, _ value: Double, _ unit: String, target: String = "", met: Bool? = nil) {
        let row = Row(figure: figure, value: value, unit: unit, target: target, met: met)
        rows.append(row)
        let verdict = met.map { $0 ? "met" : "NOT met" } ?? ""
        Self.say(
            figure.padding(toLength: 62, withPad: " ", startingAt: 0) + String(format: " %10.2f ", value)
                + unit.padding(toLength: 7, withPad: " ", startingAt: 0)
                + target.padding(toLength: 20, withPad: " ", startingAt: 0) + " " + verdict)
    }

    /// Prints a line at once, unbuffered (the figures show as they are measured, also in a pipe).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func write(to path: String) throws {
        struct Document: Encodable { var settings: [String: String]; var rows: [Row] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try encoder.encode(Document(settings: settings, rows: rows)).write(to: URL(fileURLWithPath: path))
    }
}
