import ArgumentParser
import Dispatch
import Foundation
import KeyVault
import Kubernetes
import Logging
import Synchronization
import UserIntegrationReconciler

/// `keyvault-operator run`: the controller.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Reconcile UserIntegration resources into Key Vault and Redis (the vault and Redis come from the environment).")

    @Option(help: "A kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config).") var kubeconfig: String?
    @Option(help: "A kubeconfig context instead of the current one.") var context: String?
    @Option(name: .customLong("namespace"), help: "A namespace to watch (repeatable; default all).") var namespaces: [String] = []
    @Option(help: "Resources reconciled at once.") var concurrency = 4
    @Option(help: "How often every resource is checked against the vault, e.g. 10m.") var resyncPeriod = "10m"
    @Flag(help: "Campaign for a Lease and reconcile only while leading.") var leaderElect = false
    @Option(help: "The namespace of the leader-election Lease.") var leaderElectionNamespace = "default"
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func validate() throws {
        guard EnvironmentConfiguration.parseDuration(resyncPeriod) != nil else { throw ValidationError("--resync-period: use a duration like 10m") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, logLevel: level) }
        let logger = Logger(label: "keyvault-operator")
        let identity = ProcessInfo.processInfo.environment["POD_NAME"] ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let kube: KubernetesClient
        let vault: CachedClient
        do {
            kube = try KubernetesClient(configuration: KubernetesConfiguration.load(kubeconfig: kubeconfig, context: context), logger: logger)
            vault = try CachedClient(config: CachedClientConfig.fromEnvironment(), logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let controller = UserIntegrationController(
            configuration: .init(
                namespaces: namespaces, concurrency: concurrency, resyncPeriod: EnvironmentConfiguration.parseDuration(resyncPeriod) ?? .seconds(600),
                identity: identity),
            kube: kube, vault: vault, logger: logger)
        logger.info("starting", metadata: ["namespaces": "\(namespaces.isEmpty ? "all" : namespaces.joined(separator: ","))", "identity": "\(identity)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                if leaderElect {
                    let elector = LeaderElector(client: kube, namespace: leaderElectionNamespace, name: "keyvault-operator", identity: identity, logger: logger)
                    try await elector.run { try await controller.run() }
                } else {
                    try await controller.run()
                }
            }
            group.addTask {
                let signal = await ShutdownSignal.wait()
                logger.info("shutting down", metadata: ["signal": "\(signal)"])
            }
            _ = try await group.next()
            group.cancelAll()
        }
        vault.close()
        kube.shutdown()
        logger.info("stopped", metadata: ["reconciles": "\(controller.reconcileResults)"])
    }
}

/// SIGTERM and SIGINT, awaited once.
enum ShutdownSignal {
    static func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let resumed = Mutex(false)
            for number in [SIGTERM, SIGINT] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler {
                    // The handler holds its source, so the source lives as long as the process.
                    _ = source
                    guard resumed.withLock({ done in defer { done = true }; return !done }) else { return }
                    continuation.resume(returning: number)
                }
                source.resume()
            }
        }
    }
}
