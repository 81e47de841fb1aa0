import Foundation
import KeyVault

/// How long a write in one process takes to reach a reader's in-process cache in another: this
/// binary started again as `keyvault-bench l1-writer` writes, the reader (L1 on) spins on reads.
enum L1EvictionBenchmark {
    /// The argument that makes this binary the writer.
    static let writerArgument = "l1-writer"

    /// The writer: for each secret name on stdin, a `setSecret` through its own client, then the
    /// CLOCK_MONOTONIC nanoseconds at which it returned on stdout. The n-th write (from 1) stores `value(n)`.
    static func runWriter() async throws {
        let client = try CachedClient(config: CachedClientConfig.fromEnvironment())
        var written = 0
        while let name = readLine(), !name.isEmpty {
            written += 1
            try await client.setSecret(name, value: value(written))
            FileHandle.standardOutput.write(Data("\(monotonicNanoseconds())\n".utf8))
        }
        client.close()
    }

    static func value(_ write: Int) -> String { "l1-eviction-\(write)" }

    /// Runs `writes` writes of one secret in a writer process sharing `reader`'s prefix, and
    /// returns, per write, the nanoseconds from the writer's return to the reader's first read of
    /// the new value (negative when the reader saw it before the writer's call returned).
    static func measure(reader: CachedClient, writes: Int) async throws -> [Int64] {
        let name = "bench-l1-evict-\(UUID().uuidString.prefix(6).lowercased())"
        try await reader.setSecret(name, value: value(0))
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        writer.arguments = [writerArgument]
        writer.environment = ProcessInfo.processInfo.environment.merging([
            "KEYVAULT_CACHE_PREFIX": reader.config.cachePrefix
        ]) { $1 }
        let input = Pipe()
        let output = Pipe()
        writer.standardInput = input
        writer.standardOutput = output
        try writer.run()
        defer {
            try? input.fileHandleForWriting.close()
            writer.waitUntilExit()
        }
        var lines = LineReader(output.fileHandleForReading)
        var delays: [Int64] = []
        for write in 1...writes {
            try await fillInProcess(reader, name)
            input.fileHandleForWriting.write(Data("\(name)\n".utf8))
            let deadline = ContinuousClock.now + .seconds(5)
            while try await reader.getSecret(name).value != value(write) {
                guard ContinuousClock.now < deadline else {
                    throw CocoaError(
                        .fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "write \(write) never seen"])
                }
                sched_yield()
            }
            let seen = monotonicNanoseconds()
            guard let line = lines.next(), let returned = Int64(line) else { throw CocoaError(.fileReadCorruptFile) }
            delays.append(seen - returned)
        }
        return delays
    }

    /// Reads until a read is served in process and stays so (the reader's own Redis fill notifies).
    private static func fillInProcess(_ client: CachedClient, _ name: String) async throws {
        var inProcessInARow = 0
        while inProcessInARow < 3 {
            let before = client.cacheStats().l1Hits
            _ = try await client.getSecret(name)
            inProcessInARow = client.cacheStats().l1Hits > before ? inProcessInARow + 1 : 0
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// Lines from a pipe, read as they arrive.
    struct LineReader {
        let handle: FileHandle
        var buffer = Data()

        init(_ handle: FileHandle) { self.handle = handle }

        mutating func next() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return line
                }
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }
    }
}
