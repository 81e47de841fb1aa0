/// The servers whose keys a client must hear about: the one configured, or every master of its
/// cluster (asked with `CLUSTER SLOTS` of the seed, else of the masters known).
struct ClusterDiscovery {
    let seed: RedisClient.Configuration
    var known: [RedisClient.Configuration] = []

    /// The servers, asked over blocking connections on `worker` (a thread of its own when `nil`).
    func servers(on worker: BlockingWorker? = nil) async throws -> [RedisClient.Configuration] {
        guard seed.cluster else { return [seed] }
        guard let worker else {
            let own = BlockingWorker(name: "redis-cluster-discovery")
            defer { own.stop() }
            return try await servers(on: own)
        }
        let candidates = ([seed] + known).map { ClusterTopology.Node(host: $0.host, port: $0.port) }
        let topology = try await ClusterTopology.load(from: candidates) { node in
            try await worker.run { try RedisConnection(configuration: seed.at(node)).pipeline([.clusterSlots])[0] }
        }
        return topology.masters.map(seed.at)
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
