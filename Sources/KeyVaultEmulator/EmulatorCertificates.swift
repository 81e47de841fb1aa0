import Crypto
import Foundation
import SwiftASN1
import X509

/// The emulator's TLS identity: a certificate chain and key in PEM, loaded from files or
/// generated (a CA and a server certificate signed by it) and kept in a directory for reuse.
struct EmulatorCertificates: Sendable {
    var certificateChainPEM: String
    var privateKeyPEM: String
    /// The CA file clients should trust, when the emulator generated its own.
    var caPath: String?

    /// Loads the certificate and key the user gave.
    static func load(certificatePath: String, keyPath: String) throws -> Self {
        Self(
            certificateChainPEM: try String(contentsOfFile: certificatePath, encoding: .utf8),
            privateKeyPEM: try String(contentsOfFile: keyPath, encoding: .utf8), caPath: nil)
    }

    /// Reuses the CA and server certificate in `directory` when they cover `hosts`, else makes new ones.
    static func generated(in directory: String, hosts: [String]) throws -> Self {
        try PrivateDirectory.prepare(directory)
        let caPath = directory + "/ca.pem", certificatePath = directory + "/server.pem",
            keyPath = directory + "/server-key.pem"
        let hostsPath = directory + "/server-hosts.txt"
        let wanted = Set(hosts).sorted().joined(separator: "\n")
        if let existing = try? String(contentsOfFile: hostsPath, encoding: .utf8), existing == wanted,
            FileManager.default.fileExists(atPath: caPath)
        {
            var loaded = try load(certificatePath: certificatePath, keyPath: keyPath)
            loaded.caPath = caPath
            return loaded
        }
        let (caKey, caName) = try makeAuthority(reusing: caPath, keyPath: directory + "/ca-key.pem")
        let serverKey = P256.Signing.PrivateKey()
        let now = Date()
        let server = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(serverKey.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 825 * 86_400,
            issuer: caName, subject: try DistinguishedName { CommonName(hosts.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectKeyIdentifier(hash: .init(serverKey.publicKey))
                AuthorityKeyIdentifier(keyIdentifier: SubjectKeyIdentifier(hash: .init(caKey.publicKey)).keyIdentifier)
                SubjectAlternativeNames(hosts.map(generalName))
            },
            issuerPrivateKey: .init(caKey))
        let chain = try server.serializeAsPEM().pemString + "\n"
        try write(chain, to: certificatePath)
        try write(serverKey.pemRepresentation + "\n", to: keyPath, private: true)
        try write(wanted, to: hostsPath)
        return Self(certificateChainPEM: chain, privateKeyPEM: serverKey.pemRepresentation, caPath: caPath)
    }

    private static func makeAuthority(
        reusing caPath: String, keyPath: String
    ) throws -> (P256.Signing.PrivateKey, DistinguishedName) {
        let name = try DistinguishedName {
            OrganizationName("keyvault-emulator")
            CommonName("keyvault-emulator local CA")
        }
        if FileManager.default.fileExists(atPath: caPath),
            let keyPEM = try? String(contentsOfFile: keyPath, encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: keyPEM)
        {
            return (key, name)
        }
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let authority = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: now - 3600, notValidAfter: now + 3650 * 86_400,
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: .init(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        let pem = try authority.serializeAsPEM().pemString + "\n"
        try write(key.pemRepresentation + "\n", to: keyPath, private: true)
        try write(pem, to: caPath)
        return (key, name)
    }

    private static func generalName(_ host: String) -> GeneralName {
        if let address = IPv4Address(host) {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice(address.bytes)))
        }
        if host == "::1" {
            return .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1])))
        }
        return .dnsName(host)
    }

    private static func write(_ text: String, to path: String, private isPrivate: Bool = false) throws {
        let attributes: [FileAttributeKey: Any] = [.posixPermissions: isPrivate ? 0o600 : 0o644]
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: attributes) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

/// A dotted IPv4 address.
struct IPv4Address {
    let bytes: [UInt8]

    init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        let octets = parts.compactMap { UInt8($0) }
        guard octets.count == 4 else { return nil }
        bytes = octets
    }
}
