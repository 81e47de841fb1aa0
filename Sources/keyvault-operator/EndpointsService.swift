import HTTPEndpoints
import Logging
import ServiceLifecycle

/// The probe and metrics endpoints as a service: first in the group, so they serve until every
/// other service has shut down (probes answer during the drain), then stop.
struct EndpointsService: Service {
    let endpoints: OperatorEndpoints
    let healthAddress: HostAndPort
    let metricsAddress: HostAndPort
    let logger: Logger

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await endpoints.run(healthAddress: healthAddress, metricsAddress: metricsAddress)
            }
        } catch let error as EndpointServer.Failure {
            // Probes could never reach a replica without its endpoints (a port taken, say): exit.
            logger.critical("cannot serve the health and metrics endpoints", metadata: ["error": "\(error)"])
            throw error
        }
    }
}
