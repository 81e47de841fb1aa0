import BenchmarkSupport
import Foundation
import HTTPTransport
import Kubernetes
import Redis

/// The floor of reconcile throughput: the least work a resource needs (one vault PUT, one status
/// PATCH, one Redis SET), done straight over libcurl and hiredis with the operator's concurrency.
struct RawDriver {
    let kube: KubernetesConfiguration
    let vaultURL: String
    let vaultCA: String
    let redis: RedisClient.Configuration

    /// Seconds to drive `names` (UserIntegrations in `namespace`) through the minimal work.
    func run(namespace: String, names: [String], concurrency: Int) async throws -> Double {
        let kubeHTTP = try HTTPClient(configuration: .init(tls: kube.tls))
        let vaultHTTP = try HTTPClient(configuration: .init(tls: .init(trust: .file(vaultCA))))
        let redisClient = RedisClient(configuration: redis)
        defer {
            kubeHTTP.shutdown()
            vaultHTTP.shutdown()
            redisClient.close()
        }
        let vaultToken = try await Self.emulatorToken(vaultHTTP, vaultURL: vaultURL)
        let kubeHeaders = kubeHeaders(["Content-Type": "application/merge-patch+json", "Accept": "application/json"])
        let vaultHeaders: HTTPHeaders = ["Authorization": "Bearer \(vaultToken)", "Content-Type": "application/json"]
        let statusPath = "\(kube.server)/apis/integrations.keyvault.dev/v1alpha1/namespaces/\(namespace)/userintegrations"
        let started = ContinuousClock.now
        try await Bench.parallel(names.count, workers: concurrency) { index in
            let name = names[index]
            let secret = #"{"value":"floor-value-\#(index)","tags":{"owner":"\#(namespace)/\#(name)"}}"#
            try Self.expect(await vaultHTTP.execute(HTTPRequest(
                method: .put, url: "\(vaultURL)/secrets/floor-\(name)?api-version=7.5", headers: vaultHeaders, body: Data(secret.utf8))))
            try Self.expect(await kubeHTTP.execute(HTTPRequest(
                method: .patch, url: "\(statusPath)/\(name)/status", headers: kubeHeaders, body: Data(#"{"status":{"state":"connected"}}"#.utf8))))
            try await redisClient.set("floor:\(namespace):\(name)", Data(secret.utf8), expiration: .seconds(300))
        }
        return Bench.seconds(since: started)
    }

    /// Seconds to receive, not decode, the lists a start-up in `namespace` waits for: its
    /// UserIntegrations and its Secrets' metadata, both from the watch cache and at once, as the
    /// operator's informers ask for them. The reference for start-up → `/readyz`.
    func listSeconds(namespace: String) async throws -> Double {
        let http = try HTTPClient(configuration: .init(tls: kube.tls, enableHTTP2: false))
        defer { http.shutdown() }
        let lists = [
            ("apis/integrations.keyvault.dev/v1alpha1/namespaces/\(namespace)/userintegrations", "application/json"),
            ("api/v1/namespaces/\(namespace)/secrets", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
        ]
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (path, accept) in lists {
                let request = HTTPRequest(url: "\(kube.server)/\(path)?resourceVersion=0", headers: kubeHeaders(["Accept": accept]))
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

    static func emulatorToken(_ http: HTTPClient, vaultURL: String) async throws -> String {
        let body = try expect(await http.execute(HTTPRequest(url: vaultURL + "/token")))
        return (try JSONSerialization.jsonObject(with: body) as? [String: Any])?["access_token"] as? String ?? ""
    }

    @discardableResult
    static func expect(_ response: HTTPResponse) throws -> Data {
        guard (200..<300).contains(response.status) else {
            throw HTTPError(code: .transport, message: "status \(response.status)", url: "")
        }
        return response.body
    }
}
