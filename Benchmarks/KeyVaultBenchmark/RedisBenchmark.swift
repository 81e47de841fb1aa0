import Foundation

/// `redis-benchmark -t get`, the outside reference, run from inside the benchmark so that each
/// round measures it next to the library on the same Redis, at the same moment.
enum RedisBenchmark {
    static let name = "redis-benchmark GET"

    /// One run of `operations` GETs from `clients` connections, without pipelining. The key it
    /// reads (`key:__rand_int__`) must hold a value the size of the library's entry beforehand.
    /// `options` adds redis-benchmark's own (`--tls`, `--cluster`); `name` labels the row.
    static func run(
        host: String, port: Int, operations: Int, clients: Int, options: [String] = [], name: String = name
    ) throws -> Measurement {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-benchmark")
        process.arguments =
            [
                "-h", host, "-p", "\(port)", "-t", "get", "-n", "\(operations)", "-c", "\(clients)", "-P", "1", "--csv",
            ] + options
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
        let fields =
            String(decoding: data, as: UTF8.self).split(separator: "\n").last?
            .split(separator: ",").map { Double($0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))) } ?? []
        guard process.terminationStatus == 0, fields.count >= 7, let rps = fields[1], let mean = fields[2],
            let p50 = fields[4], let p99 = fields[6]
        else {
            throw BenchmarkFailure(
                "redis-benchmark failed (exit \(process.terminationStatus)): \(String(decoding: data, as: UTF8.self))")
        }
        return Measurement(
            name: name, operations: operations, concurrency: clients, seconds: Double(operations) / rps,
            p50Microseconds: p50 * 1000, p99Microseconds: p99 * 1000, meanMicroseconds: mean * 1000)
    }
}

struct BenchmarkFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
