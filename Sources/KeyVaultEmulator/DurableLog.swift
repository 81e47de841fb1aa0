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
            let error = Self.writeAll(bytes, to: descriptor) ?? (fsync(descriptor) == 0 ? nil : POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO))
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
    static func replay(path: String) throws -> (VaultState, Int) {
        var state = VaultState()
        var records = 0
        guard let data = FileManager.default.contents(atPath: path) else { return (state, 0) }
        let decoder = JSONDecoder()
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() where !line.isEmpty {
            do {
                guard let change = try decoder.decode(LogRecord.self, from: line).change else { throw ReplayError(path: path, line: index + 1) }
                state.apply(change)
                records += 1
            } catch {
                // Only the last line can be torn by a crash mid-write; it was never acknowledged.
                let isLast = index == lines.count - 1
                if isLast { break }
                throw ReplayError(path: path, line: index + 1)
            }
        }
        return (state, records)
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
        guard fsync(descriptor) == 0, rename(temporary, path) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        syncDirectory(of: path)
    }

    private static func syncDirectory(of path: String) {
        let directory = Foundation.open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
        guard directory >= 0 else { return }
        fsync(directory)
        Foundation.close(directory)
    }
}
