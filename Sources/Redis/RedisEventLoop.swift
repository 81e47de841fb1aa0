import CHiredis
import DurationUnits
import Foundation
import Synchronization

/// One thread that waits, with `poll`, for the replies of every pipelined connection of a client,
/// so callers never block a thread of Swift's cooperative pool and one wake-up can complete many
/// callers. A connection that fails is dropped by the loop itself.
///
/// It sleeps without a time limit while nothing is in flight; a caller that starts work wakes it
/// when it sleeps that way (so it arms the reply deadline) or does not poll that connection now.
final class RedisEventLoop: Sendable {
    private let wakeDescriptor: Int32
    private let registry = Mutex<(connections: [PipelinedConnection], stopping: Bool)>(([], false))
    private let sleepsWithoutDeadline = Atomic(false)

    init(name: String) {
        wakeDescriptor = kvo_wake_descriptor()
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.start()
    }

    /// Starts reading `connection`'s replies.
    func register(_ connection: PipelinedConnection) {
        registry.withLock { $0.connections.append(connection) }
        wake()
    }

    /// A caller put work in flight; `needsWake` when the loop must look at its connection again
    /// (it does not poll it now, or the socket did not take the whole write).
    func workStarted(needsWake: Bool) {
        if sleepsWithoutDeadline.exchange(false, ordering: .sequentiallyConsistent) || needsWake { wake() }
    }

    /// Ends the thread; connections still registered are failed with `shutdown`.
    func stop() {
        registry.withLock { $0.stopping = true }
        wake()
    }

    /// Makes the thread look at every connection again.
    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    deinit {
        // Not when the thread ends: a late `wake()` must never write to a reused descriptor.
        close(wakeDescriptor)
    }

    private func run() {
        var descriptors: [pollfd] = []
        while true {
            let (connections, stopping) = registry.withLock { ($0.connections, $0.stopping) }
            if stopping {
                connections.forEach { $0.fail(with: RedisError(code: .shutdown, message: "the client is closed")) }
                return
            }
            sleepsWithoutDeadline.store(true, ordering: .sequentiallyConsistent)
            var earliest: ContinuousClock.Instant?
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0))
            for connection in connections {
                let interest = connection.interest()
                if let deadline = interest.deadline { earliest = min(earliest ?? deadline, deadline) }
                // A negative descriptor is skipped: a caller reads this one on its own thread.
                let events = (interest.reads ? POLLIN : 0) | (interest.writes ? POLLOUT : 0)
                descriptors.append(pollfd(fd: events == 0 ? -1 : connection.fd, events: Int16(events), revents: 0))
            }
            if earliest != nil { sleepsWithoutDeadline.store(false, ordering: .sequentiallyConsistent) }
            _ = poll(&descriptors, nfds_t(descriptors.count), earliest.map(Self.milliseconds(until:)) ?? -1)

            if descriptors[0].revents != 0 {
                var count: UInt64 = 0
                _ = read(wakeDescriptor, &count, MemoryLayout<UInt64>.size)
            }
            let now = ContinuousClock.now
            for (index, connection) in connections.enumerated() {
                let events = Int32(descriptors[index + 1].revents)
                if events & POLLOUT != 0 { connection.socketWritable() }
                if events & (POLLIN | POLLERR | POLLHUP | POLLNVAL) != 0 { connection.socketReadable() }
                connection.expire(now: now)
            }
            let failed = connections.filter(\.isFailed)
            if !failed.isEmpty {
                registry.withLock { state in
                    state.connections.removeAll { connection in failed.contains { $0 === connection } }
                }
            }
        }
    }

    /// `poll`'s timeout for `deadline`, rounded up so the loop does not wake just before it.
    private static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = ContinuousClock.now.duration(to: deadline)
        guard left > .zero else { return 0 }
        return Int32(clamping: left.inMilliseconds + 1)
    }
}
