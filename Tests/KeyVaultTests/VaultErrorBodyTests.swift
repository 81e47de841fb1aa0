import Foundation
import HTTPTransport
import Testing

@testable import KeyVault

/// The vault's error bodies come wrapped (`{"error":{…}}`, Key Vault) or not (some emulators), with
/// the specific cause in `innererror.code`; anything else leaves the status to speak.
struct VaultErrorBodyTests {
    static func error(_ status: Int, _ body: String) -> KeyVaultError {
        KeyVaultClient.statusError(
            HTTPResponse(head: HTTPResponseHead(status: status, headers: [:], version: "2"), body: Data(body.utf8)),
            operation: .get, context: [:])
    }

    @Test func aWrappedErrorGivesItsCodeMessageAndInnerCode() {
        let error = Self.error(
            409,
            #"{"error":{"code":"Conflict","message":"Secret x is currently being deleted.","innererror":{"code":"ObjectIsDeletedButRecoverable","details":[1,{"a":null}]}}}"#
        )
        #expect(error.code == .deletedButRecoverable)
        #expect(error.message == "Secret x is currently being deleted.")
        #expect(error.context["azure.code"] == "Conflict")
        #expect(error.context["azure.inner"] == "ObjectIsDeletedButRecoverable")
    }

    @Test func anUnwrappedErrorReadsTheSame() {
        let error = Self.error(
            403,
            #"{"code":"Forbidden","message":"Operation get is not allowed on a disabled secret.","innererror":{"code":"SecretDisabled"}}"#
        )
        #expect(error.code == .secretDisabled)
        #expect(error.context["azure.inner"] == "SecretDisabled")
    }

    @Test(arguments: ["<html><body>502 Bad Gateway</body></html>", "", "[]", #"{"error":"invalid_client"}"#])
    func aBodyThatIsNoVaultErrorLeavesTheStatusToSpeak(body: String) {
        let error = Self.error(404, body)
        #expect(error.code == .secretNotFound)
        #expect(error.message == "HTTP 404")
        #expect(error.context["azure.code"] == nil)
    }
}
