import DurationUnits
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Checks `api-version` on vault requests and injects the configured faults into them.
struct VaultRequestMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The versions the official SDKs send.
    static var supportedVersions: Set<String> {
        ["2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01", "2026-04-01"]
    }

    let faults: EmulatorConfiguration.Faults

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if RequestCounter.isOpenPath(request.uri.path) { return try await next(request, context) }
        let version = request.uri.queryParameters.get("api-version")
        guard let version, Self.isSupported(version) else { throw AzureError.unsupportedAPIVersion(version) }
        if faults.latency > .zero { try await Task.sleep(for: faults.latency) }
        let draw = Double.random(in: 0..<1)
        if draw < faults.throttleRate {
            var response = try AzureError.throttled.response(from: request, context: context)
            // Half the throttled answers carry Retry-After, as the real service's sometimes do not.
            if Bool.random() { response.headers[.retryAfter] = String(faults.retryAfterSeconds) }
            return response
        }
        if draw < faults.throttleRate + faults.errorRate {
            throw AzureError.serviceUnavailable
        }
        return try await next(request, context)
    }

    static func isSupported(_ version: String) -> Bool {
        if supportedVersions.contains(version) { return true }
        // Preview versions of supported ones, e.g. 7.6-preview.2.
        guard let base = version.split(separator: "-preview").first, version.contains("-preview") else { return false }
        return supportedVersions.contains(String(base))
    }
}

/// Adds `x-ms-request-id` to every response and logs each request without bodies or secret values.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let counter: RequestCounter

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        if !RequestCounter.isOpenPath(request.uri.path) {
            counter.record(method: "\(request.method)", path: request.uri.path)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as AzureError {
            response = try error.response(from: request, context: context)
        }
        response.headers[.requestID] = requestID
        let elapsed = ContinuousClock.now - started
        context.logger.info(
            "request",
            metadata: [
                "http.method": "\(request.method)", "http.path": "\(request.uri.path)",
                "http.status": "\(response.status.code)", "http.request_id": "\(requestID)",
                "http.duration_ms": "\(elapsed.inSeconds * 1000)",
            ])
        return response
    }
}

extension HTTPField.Name {
    static let requestID = Self("x-ms-request-id")!
}
