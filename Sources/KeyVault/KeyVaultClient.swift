import DurationUnits
import Foundation
import HTTPTransport
import JSONReading
public import Logging
import Metrics

/// A client for the Azure Key Vault secrets API (and the emulator), over libcurl.
///
/// Tokens are cached and refreshed before expiry; a 401 refreshes the token once. Throttling
/// (429), server errors and connection failures are retried with exponential backoff and jitter,
/// honouring `Retry-After`, within `ClientConfig.timeout`. Logs and errors name secrets, never
/// their values.
public final class KeyVaultClient: Sendable {
    public let config: ClientConfig
    let http: HTTPClient
    /// The identity endpoint's client: system roots, always verified.
    private let identity: HTTPClient
    let tokens: TokenProvider
    let logger: Logger
    private let metrics = RequestMetrics()

    /// - Throws: `KeyVaultError` (`invalidInput`) for a malformed URL or an unreadable CA bundle.
    public init(
        config: ClientConfig, logger: Logger = Logger(label: "keyvault", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws {
        guard config.vaultURL.hasPrefix("https://") || config.vaultURL.hasPrefix("http://") else {
            throw KeyVaultError(
                .invalidInput, "the vault URL must start with https:// (or http:// for a local emulator)",
                context: ["url": config.vaultURL])
        }
        self.config = config
        self.logger = logger
        let tls = HTTPClient.TLSConfiguration(
            trust: config.caBundle.map { .pem($0) } ?? .system, skipVerify: config.insecureSkipVerify)
        let identityTLS = HTTPClient.TLSConfiguration(trust: config.systemRootsFile.map { .file($0) } ?? .system)
        do {
            http = try HTTPClient(
                configuration: .init(
                    tls: tls, connectTimeout: min(config.timeout, .seconds(10)), requestTimeout: config.timeout,
                    maxResponseBodyBytes: Self.maxResponseBytes))
            switch config.credential {
            case .emulator, .staticToken:
                identity = http  // the emulator's token endpoint is the vault; a static token needs none
            default:
                identity = try HTTPClient(
                    configuration: .init(
                        tls: identityTLS, connectTimeout: .seconds(10), maxResponseBodyBytes: Self.maxResponseBytes))
            }
        } catch {
            throw KeyVaultError(.tlsFailed, "\(error)")
        }
        tokens = TokenProvider(credential: config.credential, http: identity, vaultURL: config.vaultURL)
        if config.insecureSkipVerify {
            logger.warning(
                "KEYVAULT_TLS_SKIP_VERIFY is set: the vault's certificate is not verified (development only)",
                metadata: ["url": "\(config.vaultURL)"])
        }
    }

    /// Stops the client; calls in flight fail.
    public func close() {
        http.close()
        if identity !== http { identity.close() }
    }

    struct Reply {
        var status: Int
        var body: Data
    }

    /// Sends one API request with authentication and retries; returns any final HTTP status
    /// other than 401/429/5xx, which become errors.
    func send(
        _ method: HTTPRequest.Method, path: String, query: String = "", body: Data? = nil, operation: VaultOperation,
        name: String?
    ) async throws -> Reply {
        let started = ContinuousClock.now
        let deadline = started + config.timeout
        var attempt = 0
        var refreshedToken = false
        var context = ["operation": operation.rawValue]
        if let name { context["secret"] = name }
        while true {
            attempt += 1
            let outcome: Result<HTTPResponse, KeyVaultError>
            do {
                try await config.requestGate?()
                let token = try await tokens.token()
                var headers: HTTPHeaders = ["Authorization": "Bearer \(token)", "Accept": "application/json"]
                if body != nil { headers.add(name: "Content-Type", value: "application/json") }
                let url = "\(config.vaultURL)\(path)?api-version=\(config.apiVersion)\(query)"
                let remaining = deadline - ContinuousClock.now
                outcome = .success(
                    try await http.execute(
                        HTTPRequest(
                            method: method, url: url, headers: headers, body: body,
                            timeout: max(remaining, .milliseconds(1)))))
            } catch let error as KeyVaultError {
                outcome = .failure(error)
            } catch let error as HTTPError {
                outcome = .failure(Self.transportError(error, operation: operation))
            }
            let failure: KeyVaultError
            switch outcome {
            case .success(let response) where response.status == 401 && !refreshedToken:
                refreshedToken = true
                // The challenge may name another cloud's resource: checked, then tokens are for it.
                if let challenge = response.headers["WWW-Authenticate"],
                    let resource = try VaultResource.fromChallenge(challenge, vaultURL: config.vaultURL)
                {
                    tokens.use(resource: resource)
                }
                _ = try? await tokens.token(refresh: true)
                continue
            case .success(let response)
            where response.status == 401 || response.status == 429 || response.status >= 500:
                failure = Self.statusError(response, operation: operation, context: context, write: operation.writes)
            case .success(let response) where response.status == 409:
                // Retried only while a delete or a recover completes; any other conflict is the caller's.
                let conflict = Self.statusError(
                    response, operation: operation, context: context, write: operation.writes)
                guard Self.completingCodes.contains(conflict.context["azure.inner"] ?? "") else {
                    record(operation: operation, status: "409", started: started, name: name)
                    return Reply(status: response.status, body: response.body)
                }
                failure = conflict
            case .success(let response):
                record(operation: operation, status: "\(response.status)", started: started, name: name)
                return Reply(status: response.status, body: response.body)
            case .failure(let error):
                failure = error
            }
            let retryable =
                failure.code == .throttled || failure.code == .connectionFailed
                || (Int(failure.context["status"] ?? "") ?? 0) >= 500
                || Self.completingCodes.contains(failure.context["azure.inner"] ?? "")
            let remaining = deadline - ContinuousClock.now
            guard retryable,
                let delay = config.retry.delay(
                    afterAttempt: attempt, retryAfter: failure.retryAfter, remaining: remaining,
                    random: Double.random(in: 0..<1))
            else {
                record(operation: operation, status: failure.context["status"] ?? "error", started: started, name: name)
                throw failure
            }
            logger.debug(
                "keyvault retry",
                metadata: [
                    "kv.operation": "\(operation)", "kv.attempt": "\(attempt)", "kv.error": "\(failure.code.id)",
                    "kv.delay_ms": "\(delay.inMilliseconds)",
                ])
            try await Task.sleep(for: delay)
        }
    }

    private func record(operation: VaultOperation, status: String, started: ContinuousClock.Instant, name: String?) {
        metrics.record(operation, status: status, elapsed: ContinuousClock.now - started)
        logger.debug(
            "keyvault request",
            metadata: ["kv.operation": "\(operation)", "kv.secret.name": "\(name ?? "-")", "http.status": "\(status)"])
    }

    /// The most bytes of one response: a secret bundle holds at most a 25 KiB value (150 KiB
    /// escaped), a list page 25 items, a token response a few KiB. More is a hostile or broken peer.
    static let maxResponseBytes = 4 << 20

    static func transportError(_ error: HTTPError, operation: VaultOperation) -> KeyVaultError {
        let context = ["operation": operation.rawValue, "url": error.url]
        switch error.code {
        case .tlsFailure: return KeyVaultError(.tlsFailed, error.message, context: context)
        case .invalidRequest: return KeyVaultError(.invalidInput, error.message, context: context)
        case .responseTooLarge: return KeyVaultError(.malformedResponse, error.message, context: context)
        default: return KeyVaultError(.connectionFailed, error.message, context: context)
        }
    }

    /// Real Key Vault finishes deletes and recovers seconds after answering them; a write of the
    /// name meanwhile (and for a while after) is refused with these, and succeeds when retried.
    static let completingCodes: Set<String> = ["ObjectIsBeingDeleted", "ObjectIsBeingRecovered"]

    /// The error for a non-success status, with the server's code and message (which never hold values).
    static func statusError(
        _ response: HTTPResponse, operation: VaultOperation, context: [String: String], write: Bool = false
    ) -> KeyVaultError {
        var context = context
        context["status"] = "\(response.status)"
        let detail = (try? VaultWire.ErrorBody(json: response.body))?.detail
        if let code = detail?.code { context["azure.code"] = code }
        let message = detail?.message ?? "HTTP \(response.status)"
        let inner = detail?.innerCode
        if let inner { context["azure.inner"] = inner }
        let retryAfter = response.headers["Retry-After"].flatMap(Double.init)
        switch response.status {
        case 401: return KeyVaultError(.authenticationFailed, message, context: context)
        case 403 where inner == "SecretDisabled": return KeyVaultError(.secretDisabled, message, context: context)
        case 403 where operation == .purge && !(inner ?? "").hasPrefix("ForbiddenBy"):
            // Purge protection (an access refusal would say ForbiddenByRbac or ForbiddenByPolicy).
            return KeyVaultError(.purgeNotAllowed, message, context: context)
        case 403: return KeyVaultError(.authenticationFailed, message, context: context)
        case 404: return KeyVaultError(.secretNotFound, message, context: context)
        case 409 where inner == "ObjectIsDeletedButRecoverable":
            return KeyVaultError(.deletedButRecoverable, message, context: context)
        case 409 where completingCodes.contains(inner ?? ""):
            return KeyVaultError(.writeFailed, message, context: context)
        case 429: return KeyVaultError(.throttled, message, context: context, retryAfter: retryAfter)
        case 400..<500: return KeyVaultError(.invalidInput, message, context: context)
        default: return KeyVaultError(write ? .writeFailed : .retrieveFailed, message, context: context)
        }
    }
}
