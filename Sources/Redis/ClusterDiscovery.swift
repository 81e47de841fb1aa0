/// The servers whose keys a client must hear about: the one configured, or every master of its
/// cluster (asked with `CLUSTER SLOTS` of the seed, else of the masters known).
struct ClusterDiscovery {
    let seed: RedisClient.Configuration
    var known: [RedisClient.Configuration] = []

    func servers() async throws -> [RedisClient.Configuration] {
        guard seed.cluster else { return [seed] }
        let worker = BlockingWorker(name: "redis-cluster-discovery")
        defer { worker.stop() }
        return try await worker.run { try masters() }
    }

    private func masters() throws -> [RedisClient.Configuration] {
        var lastError: any Error = RedisError(code: .connectionFailed, message: "no cluster node answered")
        for candidate in [seed] + known {
            do {
                let connection = try RedisConnection(configuration: candidate)
                let reply = try connection.pipeline([RedisCommand("CLUSTER", "SLOTS")])[0]
                let topology = try ClusterTopology(
                    clusterSlots: reply, askedNode: .init(host: candidate.host, port: candidate.port))
                if !topology.isEmpty { return topology.masters.map(seed.at) }
            } catch {
                lastError = error
            }
        }
        throw lastError
    }
}

extension RedisClient.Configuration {
    /// This configuration for another node of its cluster. Managed clusters announce their nodes
    /// by IP address behind certificates for the name clients use: over TLS, a node announced by
    /// address is verified against the seed's name unless a server name is configured.
    func at(_ node: ClusterTopology.Node) -> Self {
        var configuration = self
        configuration.host = node.host
        configuration.port = node.port
        if var tls, tls.serverName == nil, TLSSession.isIPAddress(node.host), !TLSSession.isIPAddress(host) {
            tls.serverName = host
            configuration.tls = tls
        }
        return configuration
    }
}
