import Foundation

/// The resource a vault's tokens are for, in the public and the sovereign clouds, and the check
/// the Azure SDKs make of the one a vault's 401 challenge names before asking for a token for it.
enum VaultResource {
    /// Key Vault's resources: `https://` and one of these hosts.
    static let hosts = [
        "vault.azure.net", "vault.azure.cn", "vault.usgovcloudapi.net", "vault.microsoftazure.de",
        "managedhsm.azure.net",
    ]

    static let publicCloud = "https://vault.azure.net"

    /// The Key Vault domain `url` is on (`vault.azure.cn` for `https://v.vault.azure.cn`), if any.
    static func domain(of url: String) -> String? {
        guard let host = URLComponents(string: url)?.host?.lowercased() else { return nil }
        return hosts.first { host.hasSuffix("." + $0) }
    }

    /// The resource for a vault: its Key Vault domain's, else the public cloud's (an emulator).
    static func forVault(_ url: String) -> String {
        domain(of: url).map { "https://" + $0 } ?? publicCloud
    }

    /// The resource a `WWW-Authenticate: Bearer authorization="…", resource="…"` (or `scope="…"`)
    /// challenge names, once checked: an `https://` Key Vault resource and, for a vault on a Key
    /// Vault domain, that domain's, so that no host can ask for a token for another audience.
    /// `nil` when the challenge names none.
    static func fromChallenge(_ header: String, vaultURL: String) throws(KeyVaultError) -> String? {
        guard let named = parameter("resource", in: header) ?? parameter("scope", in: header) else { return nil }
        let resource = named.hasSuffix("/.default") ? String(named.dropLast("/.default".count)) : named
        let host = URLComponents(string: resource)?.host?.lowercased() ?? ""
        let valid =
            resource.lowercased().hasPrefix("https://") && hosts.contains(host)
            && (domain(of: vaultURL).map { $0 == host } ?? true)
        guard valid else {
            throw KeyVaultError(
                .authenticationFailed,
                "the vault's challenge names the resource \(resource), which does not match the vault's domain",
                context: ["resource": resource, "url": vaultURL])
        }
        return "https://" + host
    }

    /// The quoted value of `name` in a challenge header.
    private static func parameter(_ name: String, in header: String) -> String? {
        guard let start = header.range(of: name + "=\"", options: .caseInsensitive) else { return nil }
        let rest = header[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
