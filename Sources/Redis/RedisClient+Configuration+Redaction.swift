// The password never shows in `description`, `debugDescription`, `dump` or any `Mirror`.
extension RedisClient.Configuration: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host, "port": port, "username": username as Any,
                "password": password.map { _ in "<redacted>" } as Any, "database": database, "poolSize": poolSize,
                "tls": tls.map { $0.serverName ?? "on" } as Any, "cluster": cluster,
            ], displayStyle: .struct)
    }
}
