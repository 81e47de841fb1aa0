public import struct Foundation.Data

extension RedisClient {
    /// `PING`: checks the server (every master of a cluster) answers.
    public func ping() async throws {
        _ = try await onEveryServer { server in
            let reply = try await server.send(.ping, name: "PING")
            guard reply.string == "PONG" else { throw unexpected(reply, for: "PING") }
        }
    }

    /// `GET`: the value, or `nil` when the key does not exist.
    public func get(_ key: String) async throws -> Data? {
        let reply = try await send(.get(key))
        if reply.isNull { return nil }
        guard let data = reply.data else { throw unexpected(reply, for: "GET") }
        return data
    }

    /// `SET` with an optional expiry (`EX` seconds or `PX` milliseconds).
    public func set(_ key: String, _ value: Data, expiration: RedisCommand.Expiration? = nil) async throws {
        let reply = try await send(.set(key, value, expiration: expiration))
        guard reply.string == "OK" else { throw unexpected(reply, for: "SET") }
    }

    /// `DEL`: the number of keys removed.
    @discardableResult
    public func delete(_ keys: [String]) async throws -> Int {
        try await integer(.del(keys), for: "DEL")
    }

    /// `UNLINK`: like `DEL`, the memory reclaimed in the background.
    @discardableResult
    public func unlink(_ keys: [String]) async throws -> Int {
        try await integer(.unlink(keys), for: "UNLINK")
    }

    /// `MGET`: one value or `nil` per key, in order.
    public func mget(_ keys: [String]) async throws -> [Data?] {
        guard !keys.isEmpty else { return [] }
        let reply = try await send(.mget(keys))
        guard let values = reply.array, values.count == keys.count else { throw unexpected(reply, for: "MGET") }
        return values.map { $0.isNull ? nil : $0.data }
    }

    /// `EXPIRE`: whether the key existed and now has the timeout.
    @discardableResult
    public func expire(_ key: String, seconds: Int) async throws -> Bool {
        try await integer(.expire(key, seconds: seconds), for: "EXPIRE") == 1
    }

    /// `TTL`: seconds left; -1 for a key without expiry, -2 for a missing key.
    public func ttl(_ key: String) async throws -> Int {
        try await integer(.ttl(key), for: "TTL")
    }

    /// `PTTL`: milliseconds left; -1 for a key without expiry, -2 for a missing key.
    public func pttl(_ key: String) async throws -> Int {
        try await integer(.pttl(key), for: "PTTL")
    }

    /// One `SCAN` step on the server (on one master of a cluster): the next cursor (`"0"` when
    /// done) and the keys of this step.
    public func scan(
        cursor: String = "0", match: String? = nil, count: Int? = nil
    ) async throws -> (cursor: String, keys: [String]) {
        var step: (cursor: String, keys: [String])?
        _ = try await onEveryServer { server in
            if step == nil { step = try await scan(on: server, cursor: cursor, match: match, count: count) }
        }
        return step ?? ("0", [])
    }

    /// Every key matching `pattern`, scanning the whole key space (of every master) in steps.
    public func scanAll(match pattern: String, count: Int = 500) async throws -> [String] {
        try await onEveryServer { server in
            var keys: [String] = []
            var cursor = "0"
            repeat {
                let step = try await scan(on: server, cursor: cursor, match: pattern, count: count)
                keys += step.keys
                cursor = step.cursor
            } while cursor != "0"
            return keys
        }.flatMap { $0 }
    }

    private func scan(
        on server: RedisNode, cursor: String, match: String?, count: Int?
    ) async throws -> (cursor: String, keys: [String]) {
        let reply = try await server.send(.scan(cursor: cursor, match: match, count: count), name: "SCAN")
        guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
            throw unexpected(reply, for: "SCAN")
        }
        return (next, keys.compactMap(\.string))
    }

    private func integer(_ command: RedisCommand, for name: String) async throws -> Int {
        let reply = try await send(command)
        guard let value = reply.integer else { throw unexpected(reply, for: name) }
        return value
    }

    private func unexpected(_ reply: RedisValue, for command: String) -> RedisError {
        RedisError(code: .unexpectedReply, message: "\(command) returned an unexpected \(reply.kind) reply")
    }
}

extension RedisValue {
    /// The reply's type name, for errors (never its content).
    var kind: String {
        switch self {
        case .status: "status"
        case .error: "error"
        case .integer: "integer"
        case .bulk: "bulk string"
        case .null: "null"
        case .array: "array"
        }
    }
}
