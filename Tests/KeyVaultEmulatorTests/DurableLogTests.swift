import Foundation
import Testing

@testable import KeyVaultEmulator

/// The write-ahead log on disk, in process.
struct DurableLogTests {
    let directory = NSTemporaryDirectory() + "durable-log-\(UUID().uuidString)"

    func append(_ log: DurableLog, _ change: StoreChange) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            log.append(change) { error in
                if let error { continuation.resume(throwing: error) } else { continuation.resume() }
            }
        }
    }

    static func version(_ value: String) -> StoredSecret.Version {
        .init(id: VaultState.newVersionID(), value: value, enabled: true, created: 1, updated: 1)
    }

    @Test func aTornLastRecordIsDroppedAndLaterAppendsStillReplay() async throws {
        let (log, _) = try DurableLog.open(directory: directory)
        try await append(log, .addVersion(name: "kept", version: Self.version("1")))
        log.close()
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/secrets.wal"))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"op":"add","name":"torn","vers"#.utf8))
        try handle.close()

        let (reopened, state) = try DurableLog.open(directory: directory)
        #expect(state.secrets.keys.sorted() == ["kept"])
        try await append(reopened, .addVersion(name: "after", version: Self.version("2")))
        reopened.close()
        let (_, replayed) = try DurableLog.open(directory: directory)
        #expect(replayed.secrets.keys.sorted() == ["after", "kept"])
    }

    @Test func aDamagedRecordInTheMiddleStopsStartUpNamingTheLine() async throws {
        let (log, _) = try DurableLog.open(directory: directory)
        try await append(log, .addVersion(name: "a", version: Self.version("1")))
        log.close()
        let handle = try #require(FileHandle(forWritingAtPath: directory + "/secrets.wal"))
        handle.seekToEndOfFile()
        handle.write(Data("not json\n".utf8))
        handle.write(Data(#"{"op":"purge","name":"a"}"#.utf8 + [10]))
        try handle.close()
        let error = #expect(throws: DurableLog.ReplayError.self) { try DurableLog.open(directory: directory) }
        #expect(error?.line == 2)
    }
}
