import ArgumentParser
import Foundation
import HTTPEndpoints
import KeyVault
import Kubernetes
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals
import UserIntegrationReconciler

/// `keyvault-operator run`: the controller.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract:
            "Reconcile UserIntegration resources into Key Vault and Redis (the vault and Redis come from the environment)."
    )

    @Option(help: "A kubeconfig file (default: in-cluster, then $KUBECONFIG, then ~/.kube/config).") var kubeconfig:
        String?
    @Option(help: "A kubeconfig context instead of the current one.") var context: String?
    @Option(name: .customLong("namespace"), help: "A namespace to watch (repeatable; default all).") var namespaces:
        [String] = []
    @Option(help: "Resources reconciled at once.") var concurrency = 16
    @Option(help: "How often every resource is checked against the vault, e.g. 10m.") var resyncPeriod = "10m"
    @Option(help: "How long before a credential expires its resource gets ExpiringSoon and a Warning, e.g. 7d or 12h.")
    var expiryWarning = "7d"
    @Flag(help: "Campaign for a Lease and reconcile only while leading.") var leaderElect = false
    @Option(help: "The namespace of the leader-election Lease.") var leaderElectionNamespace = "default"
    @Option(help: "The leader-election Lease's name: one per release, or per shard.")
    var leaderElectionId = "keyvault-operator"
    @Option(
        help: ArgumentHelp(
            "Watch only the UserIntegrations this label selector matches (a shard's share).",
            discussion:
                "E.g. integrations.keyvault.dev/shard=shard1, and for the main process integrations.keyvault.dev/shard notin (shard1,shard2). Give each shard its own --leader-election-id."
        ))
    var watchLabelSelector: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
    @Option(help: "The vault's URL (default: $KEYVAULT_URL).") var keyvaultUrl: String?
    @Option(help: "Redis's host (default: $REDIS_HOST, then localhost).") var redisHost: String?
    @Option(help: "Redis's port (default: $REDIS_PORT, then 6379).") var redisPort: Int?
    @Option(help: "Vault calls a second at most (default: 75 % of Key Vault's published 4,000 per 10 s).")
    var vaultRateLimit = 300
    @Option(help: "Where /healthz and /readyz are served (host:port; :8081 is every interface).") var healthAddr =
        ":8081"
    @Option(help: "Where /metrics is served (host:port; may equal --health-addr).") var metricsAddr = ":8080"
    @Option(
        help: """
            Which users a namespace's resources may name: namespace-annotation (the Namespace's \
            integrations.keyvault.dev/allowed-users globs; the Helm chart's default) or any (single tenant; the default here).
            """,
        transform: { text in
            guard let binding = UserBinding(rawValue: text) else {
                throw ValidationError("expected namespace-annotation or any")
            }
            return binding
        })
    var userBinding = UserBinding.any
    @Flag(
        help: """
            Push only Secrets labelled integrations.keyvault.dev/allow-push=true (the Helm chart's default), \
            so whoever may create UserIntegrations cannot copy any Secret of the namespace into the vault.
            """)
    var requireSecretLabel = false

    /// How long in-flight reconciles may take to finish after SIGTERM.
    static let drainTimeout = Duration.seconds(20)

    func validate() throws {
        guard Self.parseDays(expiryWarning) != nil else {
            throw ValidationError("--expiry-warning: use a duration like 7d, 12h or 30m")
        }
        guard EnvironmentConfiguration.parseDuration(resyncPeriod) != nil else {
            throw ValidationError("--resync-period: use a duration like 10m")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: unknown level \(logLevel)")
        }
        guard concurrency > 0 else { throw ValidationError("--concurrency must be at least 1") }
        guard Self.isDNSSubdomain(leaderElectionId) else {
            throw ValidationError("--leader-election-id: a Lease name (lowercase letters, digits, '-' and '.')")
        }
        guard vaultRateLimit > 0 else { throw ValidationError("--vault-rate-limit must be at least 1") }
        guard HostAndPort(healthAddr) != nil else { throw ValidationError("--health-addr: use host:port, e.g. :8081") }
        guard HostAndPort(metricsAddr) != nil else {
            throw ValidationError("--metrics-addr: use host:port, e.g. :8080")
        }
    }

    /// A duration in days (`7d`) or as the environment writes them (`12h`, `30m`).
    static func parseDays(_ text: String) -> Duration? {
        guard text.hasSuffix("d") else { return EnvironmentConfiguration.parseDuration(text) }
        return Double(text.dropLast()).flatMap { $0 >= 0 ? .seconds($0 * 86_400) : nil }
    }

    /// A name the API server accepts for a Lease (RFC 1123 subdomain).
    static func isDNSSubdomain(_ name: String) -> Bool {
        let alphanumeric: (Character) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        return (1...253).contains(name.utf8.count) && name.first.map(alphanumeric) == true
            && name.last.map(alphanumeric) == true && name.allSatisfy { alphanumeric($0) || $0 == "-" || $0 == "." }
    }

    func run() async throws {
        MallocArenas.limitToOne()
        // Before any credential or value is in memory.
        _ = CoreDumps.disable(environment: ProcessInfo.processInfo.environment)
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { JSONLogHandler(label: $0, logLevel: level) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "keyvault-operator")
        let identity =
            ProcessInfo.processInfo.environment["POD_NAME"]
            ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        let kube: KubernetesClient
        let vault: CachedClient
        do {
            var configuration = try KubernetesConfiguration.load(kubeconfig: kubeconfig, context: context)
            configuration.userAgent = "keyvault-operator/\(VersionCommand.version)"
            kube = try KubernetesClient(configuration: configuration, logger: logger)
            var config = try CachedClientConfig.fromEnvironment()
            if let keyvaultUrl {
                config.keyVault.vaultURL = keyvaultUrl
                config.keyVault.credential = try EnvironmentConfiguration.credential(
                    ProcessInfo.processInfo.environment, vaultURL: keyvaultUrl)
            }
            if let redisHost { config.redis.host = redisHost }
            if let redisPort { config.redis.port = redisPort }
            // The work queue backs off per resource, so a vault call gives up after three attempts:
            // workers are not held for long, and the status tells of throttling or an outage soon.
            config.keyVault.retry.maximumAttempts = min(config.keyVault.retry.maximumAttempts, 3)
            // Every vault request takes a turn of the budget, retries after a 429 included.
            let budget = UserIntegrationController.vaultBudget(requestsPerSecond: vaultRateLimit)
            config.keyVault.requestGate = { try await budget.acquire() }
            vault = try CachedClient(config: config, logger: logger)
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(2)
        }
        let controller = UserIntegrationController(
            configuration: .init(
                namespaces: namespaces, concurrency: concurrency,
                resyncPeriod: EnvironmentConfiguration.parseDuration(resyncPeriod) ?? .seconds(600),
                identity: identity, vaultRequestsPerSecond: vaultRateLimit,
                userBinding: userBinding,
                requireSecretLabel: requireSecretLabel,
                expiryWarning: Self.parseDays(expiryWarning) ?? .seconds(604_800), labelSelector: watchLabelSelector),
            kube: kube, vault: vault, logger: logger)
        logger.info(
            "starting",
            metadata: [
                "namespaces": "\(namespaces.isEmpty ? "all" : namespaces.joined(separator: ","))",
                "identity": "\(identity)", "user_binding": "\(userBinding.rawValue)",
                "require_secret_label": "\(requireSecretLabel)",
                "keyvault.credential": "\(vault.config.keyVault.credential.summary)",
                "core_dumps": "\(CoreDumps.enabled ? "on" : "off")",
                "watch_label_selector": "\(watchLabelSelector ?? "-")",
            ])
        let endpoints = OperatorEndpoints(controller: controller, kube: kube, vault: vault, registry: registry)
        let elector =
            leaderElect
            ? LeaderElector(
                client: kube, namespace: leaderElectionNamespace, name: leaderElectionId, identity: identity,
                logger: logger) : nil
        // In the order of their dependencies: a graceful shutdown (SIGTERM, SIGINT) stops the
        // controller first, and the endpoints answer probes until it has drained.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(
                    service: EndpointsService(
                        endpoints: endpoints, healthAddress: HostAndPort(healthAddr)!,
                        metricsAddress: HostAndPort(metricsAddr)!, logger: logger)),
                .init(
                    service: ControllerService(
                        controller: controller, elector: elector, endpoints: endpoints, logger: logger)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        configuration.maximumGracefulShutdownDuration = Self.drainTimeout
        // Also when a service ends the run with an error: exit() must not find libcurl's and Redis's
        // threads still running while the libraries' exit handlers tear them down.
        defer {
            vault.close()
            kube.close()
        }
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch is EndpointServer.Failure {
            throw ExitCode(2)
        }
    }
}
