import Foundation
public import Logging
import Synchronization

/// Leader election on a Lease, as client-go does it: candidates try to acquire every `retryPeriod`;
/// the leader renews, and stops leading when it cannot renew within `renewDeadline`. Expiry is
/// judged by when this candidate last saw the lease change (not by the holder's clock).
public final class LeaderElector: Sendable {
    public struct Timing: Sendable {
        public var leaseDuration: Duration
        public var renewDeadline: Duration
        public var retryPeriod: Duration

        /// client-go's defaults: 15 s, 10 s, 2 s.
        public init(
            leaseDuration: Duration = .seconds(15), renewDeadline: Duration = .seconds(10),
            retryPeriod: Duration = .seconds(2)
        ) {
            self.leaseDuration = leaseDuration
            self.renewDeadline = renewDeadline
            self.retryPeriod = retryPeriod
        }
    }

    public let identity: String
    private let client: KubernetesClient
    private let namespace: String
    /// The Lease's name.
    public let name: String
    private let timing: Timing
    private let logger: Logger
    private let observed = Mutex<(spec: Lease.Spec?, at: ContinuousClock.Instant)?>(nil)
    private let leading = Mutex(false)

    public init(
        client: KubernetesClient, namespace: String, name: String, identity: String, timing: Timing = .init(),
        logger: Logger? = nil
    ) {
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self.logger = logger ?? client.logger
    }

    /// Whether this candidate holds the lease now.
    public var isLeader: Bool { leading.withLock { $0 } }

    /// Campaigns until cancelled; while leading, runs `whileLeading` (cancelled when leadership is
    /// lost). On cancellation a leader releases the lease so another candidate takes over at once.
    public func run(whileLeading: @escaping @Sendable () async throws -> Void) async throws {
        while !Task.isCancelled {
            do {
                if try await tryAcquireOrRenew() {
                    leading.withLock { $0 = true }
                    logger.info(
                        "leader election: acquired",
                        metadata: ["k8s.lease": "\(namespace)/\(name)", "k8s.identity": "\(identity)"])
                    try await lead(whileLeading)
                    leading.withLock { $0 = false }
                    logger.warning("leader election: lost the lease", metadata: ["k8s.lease": "\(namespace)/\(name)"])
                }
            } catch is CancellationError {
                break
            } catch {
                logger.debug("leader election: attempt failed", metadata: ["k8s.error": "\(error)"])
            }
            do { try await Task.sleep(for: timing.retryPeriod) } catch { break }
        }
        if isLeader || leaseHeldByUs {
            // The campaign's task is cancelled (shutdown), and a cancelled task's requests fail at
            // once: release from a task of its own, which the cancellation does not reach.
            await Task.detached { await self.release() }.value
        }
        leading.withLock { $0 = false }
    }

    private var leaseHeldByUs: Bool { observed.withLock { $0?.spec?.holderIdentity == identity } }

    /// Runs the work and the renew loop together; returns when renewing fails past the deadline.
    private func lead(_ work: @escaping @Sendable () async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await work()
                return true
            }
            group.addTask {
                var lastRenew = ContinuousClock.now
                while true {
                    try await Task.sleep(for: self.timing.retryPeriod)
                    if (try? await self.tryAcquireOrRenew()) == true {
                        lastRenew = ContinuousClock.now
                    } else if ContinuousClock.now - lastRenew > self.timing.renewDeadline {
                        return false
                    }
                }
            }
            _ = try await group.next()
            group.cancelAll()
        }
    }

    /// One round: acquire a free or expired lease, or renew ours. Returns whether we hold it.
    func tryAcquireOrRenew() async throws -> Bool {
        let now = Date()
        let durationSeconds = Int(timing.leaseDuration.components.seconds)
        var lease: Lease
        do {
            lease = try await client.get(Lease.self, .leases, namespace: namespace, name: name)
        } catch let error as KubernetesError where error.isNotFound {
            let spec = Lease.Spec(
                holderIdentity: identity, leaseDurationSeconds: durationSeconds, acquireTime: KubernetesTime.micro(now),
                renewTime: KubernetesTime.micro(now), leaseTransitions: 0)
            let created = try await client.create(
                Lease(metadata: .init(name: name, namespace: namespace), spec: spec), .leases)
            observe(created.spec)
            return true
        }
        observe(lease.spec)
        let holder = lease.spec?.holderIdentity ?? ""
        if !holder.isEmpty, holder != identity, !observedExpired() { return false }
        var spec = lease.spec ?? Lease.Spec()
        if holder != identity {
            spec.acquireTime = KubernetesTime.micro(now)
            spec.leaseTransitions = (spec.leaseTransitions ?? 0) + (holder.isEmpty ? 0 : 1)
        }
        spec.holderIdentity = identity
        spec.leaseDurationSeconds = durationSeconds
        spec.renewTime = KubernetesTime.micro(now)
        lease.spec = spec
        let updated = try await client.update(lease, .leases)
        observe(updated.spec)
        return true
    }

    private func observe(_ spec: Lease.Spec?) {
        observed.withLock { observed in
            if observed?.spec != spec { observed = (spec, ContinuousClock.now) }
        }
    }

    private func observedExpired() -> Bool {
        observed.withLock { observed in
            guard let observed else { return true }
            let duration = Duration.seconds(
                observed.spec?.leaseDurationSeconds ?? Int(timing.leaseDuration.components.seconds))
            return ContinuousClock.now - observed.at > duration
        }
    }

    /// Gives the lease up: no holder, so the next candidate acquires it without waiting.
    private func release() async {
        do {
            var lease = try await client.get(Lease.self, .leases, namespace: namespace, name: name)
            guard lease.spec?.holderIdentity == identity else { return }
            lease.spec?.holderIdentity = nil
            lease.spec?.leaseDurationSeconds = 1
            lease.spec?.renewTime = KubernetesTime.micro(Date())
            _ = try await client.update(lease, .leases)
            logger.info("leader election: released", metadata: ["k8s.lease": "\(namespace)/\(name)"])
        } catch {
            logger.warning("leader election: release failed", metadata: ["k8s.error": "\(error)"])
        }
    }
}
