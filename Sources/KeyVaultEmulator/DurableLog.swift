import Foundation

/// An append-only write-ahead log of `StoreChange`s, one JSON line each, made durable with
/// `fsync` before a write is acknowledged.
///
/// Writes are group-committed: a dedicated thread takes every line queued since its last flush,
/// writes them with one `write` and one `fsync`, then acknowledges them all. Replay ignores a torn
/// last line (a write that was never acknowledged); a damaged line elsewhere stops start-up.
///
/// `@unchecked Sendable`: `pending` and `closed` are guarded by `condition`; `descriptor` is used by
/// the writer thread only (and by `init` before that thread starts).
final class DurableLog: @unchecked Sendable {
    struct ReplayError: Error, CustomStringConvertible {
        let path: String
        let line: Int
        var description: String { "\(path):\(line): damaged write-ahead log record; refusing to start" }
    }

    typealias Acknowledgement = @Sendable ((any Error)?) -> Void

    let path: String
    private let descriptor: Int32
    private let condition = NSCondition()
    private var pending: [(line: Data, acknowledge: Acknowledgement)] = []
    private var closed = false

    /// Opens the log in `directory`, compacting what it holds into one record per secret.
    /// - Returns: the log and the state its records describe.
    static func open(directory: String) throws -> (DurableLog, VaultState) {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/secrets.wal"
        let (state, records) = try replay(path: path)
        try truncateTornTail(path: path)
        // Compact only when the log holds many records that no longer describe live data
        // (updates, deletions, purges): one record per version is already as small as it gets.
        let versions = state.secrets.values.reduce(0) { $0 + $1.versions.count }
        if records > versions + state.secrets.count + 1000 {
            try compact(state, into: path)
        }
        return (try DurableLog(path: path), state)
    }

    private init(path: String) throws {
        self.path = path
        descriptor = Foundation.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        let thread = Thread { [self] in runWriter() }
        thread.name = "keyvault-emulator-wal"
        thread.start()
    }

    /// Queues a change; `acknowledge` is called once it is on disk (or with the error if not).
    /// Call it while holding the lock that ordered the change, so the log keeps that order.
    func append(_ change: StoreChange, acknowledge: @escaping Acknowledgement) {
        var line: Data
        do {
            line = try JSONEncoder().encode(LogRecord(change))
        } catch {
            acknowledge(error)
            return
        }
        line.append(UInt8(ascii: "\n"))
        condition.lock()
        pending.append((line, acknowledge))
        condition.signal()
        condition.unlock()
    }

    /// Stops the writer after the queued lines are flushed.
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    private func runWriter() {
        while true {
            condition.lock()
            while pending.isEmpty && !closed { condition.wait() }
            if pending.isEmpty {
                condition.unlock()
                Foundation.close(descriptor)
                return
            }
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            condition.unlock()

            var bytes = Data()
            for entry in batch { bytes.append(entry.line) }
            let error =
                Self.writeAll(bytes, to: descriptor)
                ?? (fsync(descriptor) == 0 ? nil : POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
            for entry in batch { entry.acknowledge(error) }
        }
    }

    private static func writeAll(_ data: Data, to descriptor: Int32) -> POSIXError? {
        data.withUnsafeBytes { buffer -> POSIXError? in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
                }
                offset += written
            }
            return nil
        }
    }

    // MARK: Start-up

    /// The state the log describes, and how many records it had.
    ///
    /// Complete lines are decoded in one pass as a JSON array (one decoder call for the whole
    /// log keeps start-up fast); if that fails, line by line, to name the damaged line. A last
    /// line without its newline is a torn write that was never acknowledged, and is ignored.
    static func replay(path: String) throws -> (VaultState, Int) {
        var state = VaultState()
        guard let data = FileManager.default.contents(atPath: path),
            let lastNewline = data.lastIndex(of: UInt8(ascii: "\n"))
        else {
            return (state, 0)
        }
        var bytes = [UInt8](data[data.startIndex...lastNewline])
        bytes.withUnsafeMutableBufferPointer { buffer in
            for index in buffer.indices where buffer[index] == UInt8(ascii: "\n") { buffer[index] = UInt8(ascii: ",") }
        }
        bytes[bytes.count - 1] = UInt8(ascii: "]")
        let decoder = JSONDecoder()
        let records: [LogRecord]
        do {
            records = try decoder.decode([LogRecord].self, from: Data([UInt8(ascii: "[")] + bytes))
        } catch {
            records = try replayLineByLine(data[data.startIndex...lastNewline], path: path, decoder: decoder)
        }
        for (index, record) in records.enumerated() {
            guard let change = record.change else { throw ReplayError(path: path, line: index + 1) }
            state.apply(change)
        }
        return (state, records.count)
    }

    /// Cuts a torn last record off, so the next append starts on a line of its own.
    private static func truncateTornTail(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty, data.last != UInt8(ascii: "\n")
        else { return }
        let validLength = data.lastIndex(of: UInt8(ascii: "\n")).map { $0 - data.startIndex + 1 } ?? 0
        guard truncate(path, off_t(validLength)) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
    }

    private static func replayLineByLine(_ data: Data, path: String, decoder: JSONDecoder) throws -> [LogRecord] {
        try data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().enumerated().map {
            index, line in
            do {
                return try decoder.decode(LogRecord.self, from: line)
            } catch {
                throw ReplayError(path: path, line: index + 1)
            }
        }
    }

    /// Rewrites the log as one `restore` record per secret, atomically (write, fsync, rename).
    static func compact(_ state: VaultState, into path: String) throws {
        let temporary = path + ".compacting"
        var bytes = Data()
        let encoder = JSONEncoder()
        for secret in state.secrets.values {
            bytes.append(try encoder.encode(LogRecord(.restore(secret))))
            bytes.append(UInt8(ascii: "\n"))
        }
        let descriptor = Foundation.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { Foundation.close(descriptor) }
        if let error = writeAll(bytes, to: descriptor) { throw error }
        guard fsync(descriptor) == 0, rename(temporary, path) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) {
        let directory = Foundation.open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        guard directory >= 0 else { return }
        fsync(directory)
        Foundation.close(directory)
    }
}
