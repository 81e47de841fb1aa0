import COpenSSL
import Foundation

extension RedisClient {
    /// TLS to Redis (OpenSSL): the server's certificate chain and name are verified unless
    /// `skipVerify` is set, TLS 1.2 at least.
    ///
    /// The files are read when the configuration is made, so a missing or unusable one is an error
    /// there, at start-up, rather than on the first connection.
    public struct TLSConfiguration: Sendable {
        /// PEM certificates to trust; `nil` trusts the system's roots.
        public let caFile: String?
        /// PEM client certificate (chain) and its key, for servers that require mutual TLS.
        public let certificateFile: String?
        public let keyFile: String?
        /// The name sent (SNI) and verified; `nil` uses the host connected to.
        public var serverName: String?
        /// Development only: accepts any certificate.
        public let skipVerify: Bool
        let context: TLSContext

        /// - Throws: `RedisTLSFileError` naming the file that cannot be used, and why.
        public init(
            caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil,
            skipVerify: Bool = false
        ) throws(RedisTLSFileError) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.serverName = serverName
            self.skipVerify = skipVerify
            context = try TLSContext(
                caFile: caFile, certificateFile: certificateFile, keyFile: keyFile, skipVerify: skipVerify)
        }
    }
}

/// A TLS file that cannot be used: which one, and why.
public struct RedisTLSFileError: Error, Sendable, CustomStringConvertible {
    public enum File: Sendable {
        case caFile, certificateFile, keyFile
    }
    public let file: File
    public let message: String

    public var description: String { message }
}

/// An OpenSSL `SSL_CTX`: trust, client identity and protocol floor, shared by every connection
/// of a client (OpenSSL allows that across threads).
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    let verifies: Bool

    init(caFile: String?, certificateFile: String?, keyFile: String?, skipVerify: Bool) throws(RedisTLSFileError) {
        kvo_openssl_keep_state_at_exit()
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw RedisTLSFileError(file: .caFile, message: "cannot create a TLS context: \(TLSSession.queuedErrors())")
        }
        self.context = context
        verifies = !skipVerify
        _ = kvo_ssl_ctx_configure(context)
        SSL_CTX_set_verify(context, skipVerify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nil)
        if let caFile {
            try Self.require(readable: caFile, .caFile)
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw RedisTLSFileError(
                    file: .caFile, message: "\(caFile) holds no usable PEM certificate: \(TLSSession.queuedErrors())")
            }
        } else {
            _ = SSL_CTX_set_default_verify_paths(context)
        }
        switch (certificateFile, keyFile) {
        case (nil, nil): break
        case (let certificate?, let key?):
            try Self.require(readable: certificate, .certificateFile)
            try Self.require(readable: key, .keyFile)
            guard SSL_CTX_use_certificate_chain_file(context, certificate) == 1 else {
                throw RedisTLSFileError(
                    file: .certificateFile,
                    message: "\(certificate) holds no usable PEM certificate: \(TLSSession.queuedErrors())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1,
                SSL_CTX_check_private_key(context) == 1
            else {
                throw RedisTLSFileError(
                    file: .keyFile,
                    message: "\(key) is not the PEM private key of \(certificate): \(TLSSession.queuedErrors())")
            }
        case (_?, nil):
            throw RedisTLSFileError(file: .keyFile, message: "a client certificate needs its private key file")
        case (nil, _?):
            throw RedisTLSFileError(file: .certificateFile, message: "a private key needs its client certificate file")
        }
    }

    deinit { SSL_CTX_free(context) }

    private static func require(readable path: String, _ file: RedisTLSFileError.File) throws(RedisTLSFileError) {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw RedisTLSFileError(file: file, message: "cannot read \(path)")
        }
    }
}
