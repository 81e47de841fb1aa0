/// An error as Azure Key Vault reports it: a status, a code, a message and an optional inner code.
/// Serialised as `{"error":{"code":…,"message":…,"innererror":{"code":…}}}`.
struct AzureError: Error, Sendable, Equatable {
    var statusCode: Int
    var code: String
    var message: String
    var innerCode: String?

    static func badParameter(_ message: String) -> Self {
        .init(statusCode: 400, code: "BadParameter", message: message)
    }

    static func invalidName(_ name: String) -> Self {
        badParameter("The request URI contains an invalid name: \(name)")
    }

    static func secretNotFound(_ name: String, version: String? = nil) -> Self {
        let id = version.map { "\(name)/\($0)" } ?? name
        return .init(
            statusCode: 404, code: "SecretNotFound",
            message:
                "A secret with (name/id) \(id) was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182"
        )
    }

    static func deletedSecretNotFound(_ name: String) -> Self {
        .init(statusCode: 404, code: "SecretNotFound", message: "Deleted Secret not found: \(name)")
    }

    static let secretDisabled = AzureError(
        statusCode: 403, code: "Forbidden", message: "Operation get is not allowed on a disabled secret.",
        innerCode: "SecretDisabled")

    static func deletedButRecoverable(_ name: String) -> Self {
        .init(
            statusCode: 409, code: "Conflict",
            message:
                "Secret \(name) is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.",
            innerCode: "ObjectIsDeletedButRecoverable")
    }

    static func beingDeleted(_ name: String) -> Self {
        .init(
            statusCode: 409, code: "Conflict", message: "Secret \(name) is currently being deleted.",
            innerCode: "ObjectIsBeingDeleted")
    }

    static func beingRecovered(_ name: String) -> Self {
        .init(
            statusCode: 409, code: "Conflict",
            message: "Secret \(name) is currently being recovered and cannot be re-created; retry later.",
            innerCode: "ObjectIsBeingRecovered")
    }

    static let purgeProtected = AzureError(
        statusCode: 403, code: "Forbidden",
        message:
            "Operation \"purge\" is not allowed because purge protection is enabled for this vault. Key Vault service will automatically purge it after the retention period has passed."
    )

    static func alreadyExists(_ name: String) -> Self {
        .init(statusCode: 409, code: "Conflict", message: "Secret \(name) already exists in this key vault.")
    }

    static let missingToken = AzureError(
        statusCode: 401, code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token.")

    static func invalidToken(_ reason: String) -> Self {
        .init(statusCode: 401, code: "Unauthorized", message: "AKV10022: Invalid token: \(reason).")
    }

    static let methodNotAllowed = AzureError(
        statusCode: 405, code: "MethodNotAllowed", message: "The requested method is not allowed for this resource.")

    static let throttled = AzureError(
        statusCode: 429, code: "Throttled",
        message:
            "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached")

    static let serviceUnavailable = AzureError(
        statusCode: 503, code: "ServiceUnavailable", message: "The service is temporarily unavailable. Please retry.")

    static func unsupportedAPIVersion(_ version: String?) -> Self {
        guard let version else {
            return badParameter("The api-version query parameter (?api-version=) is required for all requests.")
        }
        return badParameter(
            "The specified version (\(version)) is not recognized. Consider using the latest supported version (7.6).")
    }
}
