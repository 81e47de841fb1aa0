import BenchmarkSupport
import Foundation
import HTTPTransport
import Kubernetes
import Redis
import UserIntegrationReconciler

/// The floor of reconcile throughput: the least work a resource needs (one vault PUT, one status
/// PATCH, one Redis SET), done straight over libcurl and hiredis with the operator's concurrency.
struct RawDriver {
    let kube: KubernetesConfiguration
    let vaultURL: String
    let vaultCA: String
    let redis: RedisClient.Configuration

    /// Seconds to drive `names` (UserIntegrations in `namespace`) through the minimal work.
    func run(namespace: String, names: [String], concurrency: Int) async throws -> Double {
        try await drive(names, concurrency: concurrency) { connections, index in
            let name = names[index]
            let secret = #"{"value":"floor-value-\#(index)","tags":{"owner":"\#(namespace)/\#(name)"}}"#
            try await connections.vault(.put, "floor-\(name)", body: secret)
            try await connections.kube(
                .patch, "\(integrationsPath(namespace))/\(name)/status", body: #"{"status":{"state":"connected"}}"#)
            try await connections.redis.set("floor:\(namespace):\(name)", Data(secret.utf8), expiration: .seconds(300))
        }
    }

    /// Seconds to drive `names` through what the fixed contract requires of every new `Delete`
    /// resource, straight over libcurl and hiredis with the operator's concurrency: the referenced
    /// Secret read (from the watch cache), the finalizer added, the vault secret read then written
    /// with its tags, Redis warmed, the status written with its four conditions. Events are
    /// best-effort and off the critical path, so none. No operator can do less; the operator's
    /// throughput is set beside this as well as beside the floor. `retain`: a `Retain` resource's
    /// calls, the same without the finalizer PATCH.
    func runContract(
        namespace: String, names: [String], secret: String, concurrency: Int, retain: Bool = false
    )
        async throws -> Double
    {
        let finalizer = #"{"metadata":{"finalizers":["\#(UserIntegration.finalizer)"]}}"#
        return try await drive(names, concurrency: concurrency) { connections, index in
            let name = names[index]
            let vaultName = "contract-\(retain ? "retain-" : "")\(namespace)-\(name)"
            let now = Date().formatted(Date.ISO8601FormatStyle())
            try await connections.kube(
                .get, "\(kube.server)/api/v1/namespaces/\(namespace)/secrets/\(secret)?resourceVersion=0")
            if !retain {
                try await connections.kube(.patch, "\(integrationsPath(namespace))/\(name)", body: finalizer)
            }
            try await connections.vault(.get, vaultName, allowing: 404)
            let value =
                #"{"value":"contract-value-\#(index)","tags":{"managed-by":"keyvault-operator","user-id":"\#(name)","integration-type":"weather","owner":"\#(namespace)/\#(name)"}}"#
            try await connections.vault(.put, vaultName, body: value)
            try await connections.redis.set(
                "contract:\(namespace):\(name)", Data(value.utf8), expiration: .seconds(300))
            let conditions = ["Ready", "KeyVaultSynced", "CacheWarmed", "Expired"].map { type in
                #"{"type":"\#(type)","status":"\#(type == "Expired" ? "False" : "True")","reason":"Synced","message":"the Key Vault secret is current","lastTransitionTime":"\#(now)","observedGeneration":1}"#
            }
            let status =
                #"{"status":{"state":"connected","maskedKey":"***\#(index % 1000)","vaultSecretName":"\#(vaultName)","vaultSecretVersion":"\#(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())","lastSyncTime":"\#(now)","observedGeneration":1,"conditions":[\#(conditions.joined(separator: ","))]}}"#
            try await connections.kube(.patch, "\(integrationsPath(namespace))/\(name)/status", body: status)
        }
    }

    private func integrationsPath(_ namespace: String) -> String {
        "\(kube.server)/apis/integrations.keyvault.dev/v1alpha1/namespaces/\(namespace)/userintegrations"
    }

    /// The raw connections a driver's work uses: Kubernetes and the vault over libcurl, Redis over hiredis.
    struct Connections: Sendable {
        let kubeHTTP: HTTPClient
        let kubeHeaders: HTTPHeaders
        let vaultHTTP: HTTPClient
        let vaultURL: String
        let vaultHeaders: HTTPHeaders
        let redis: RedisClient

        func kube(_ method: HTTPRequest.Method, _ url: String, body: String? = nil) async throws {
            var headers = kubeHeaders
            if body != nil {
                headers.add(
                    name: "Content-Type", value: method == .patch ? "application/merge-patch+json" : "application/json")
            }
            try RawDriver.expect(
                await kubeHTTP.execute(
                    HTTPRequest(method: method, url: url, headers: headers, body: body.map { Data($0.utf8) })))
        }

        func vault(
            _ method: HTTPRequest.Method, _ name: String, body: String? = nil, allowing allowed: Int? = nil
        ) async throws {
            let response = try await vaultHTTP.execute(
                HTTPRequest(
                    method: method, url: "\(vaultURL)/secrets/\(name)?api-version=7.5", headers: vaultHeaders,
                    body: body.map { Data($0.utf8) }))
            if response.status != allowed { try RawDriver.expect(response) }
        }
    }

    /// Seconds `work` takes for every index of `names` on `concurrency` tasks sharing one set of connections.
    private func drive(
        _ names: [String], concurrency: Int, _ work: @escaping @Sendable (Connections, Int) async throws -> Void
    ) async throws -> Double {
        let kubeHTTP = try HTTPClient(configuration: .init(tls: kube.tls))
        let vaultHTTP = try HTTPClient(configuration: .init(tls: .init(trust: .file(vaultCA))))
        let redisClient = RedisClient(configuration: redis)
        defer {
            kubeHTTP.close()
            vaultHTTP.close()
            redisClient.close()
        }
        let vaultToken = try await Bench.emulatorToken(vaultHTTP, vaultURL: vaultURL)
        let connections = Connections(
            kubeHTTP: kubeHTTP, kubeHeaders: kubeHeaders(["Accept": "application/json"]), vaultHTTP: vaultHTTP,
            vaultURL: vaultURL,
            vaultHeaders: ["Authorization": "Bearer \(vaultToken)", "Content-Type": "application/json"],
            redis: redisClient)
        let started = ContinuousClock.now
        try await Bench.parallel(names.count, workers: concurrency) { try await work(connections, $0) }
        return Bench.seconds(since: started)
    }

    /// Seconds to receive, not decode, the lists a start-up in `namespace` waits for: its
    /// UserIntegrations and its Secrets' metadata, both from the watch cache and at once, as the
    /// operator's informers ask for them. The reference for start-up → `/readyz`.
    func listSeconds(namespace: String) async throws -> Double {
        let http = try HTTPClient(configuration: .init(tls: kube.tls, enableHTTP2: false))
        defer { http.close() }
        let lists = [
            ("apis/integrations.keyvault.dev/v1alpha1/namespaces/\(namespace)/userintegrations", "application/json"),
            (
                "api/v1/namespaces/\(namespace)/secrets",
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
            ),
        ]
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (path, accept) in lists {
                let request = HTTPRequest(
                    url: "\(kube.server)/\(path)?resourceVersion=0", headers: kubeHeaders(["Accept": accept]))
                group.addTask { try Self.expect(await http.execute(request)) }
            }
            try await group.waitForAll()
        }
        return Bench.seconds(since: started)
    }

    private func kubeHeaders(_ headers: HTTPHeaders) -> HTTPHeaders {
        var headers = headers
        if case .token(let token) = kube.authentication { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return headers
    }

    @discardableResult
    static func expect(_ response: HTTPResponse) throws -> Data {
        guard (200..<300).contains(response.status) else {
            // The server's own words (a Status of a refused write holds no value, only names and causes).
            throw HTTPError(
                code: .transport,
                message: "status \(response.status): \(String(decoding: response.body.prefix(500), as: UTF8.self))",
                url: "")
        }
        return response.body
    }
}
