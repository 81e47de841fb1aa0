import struct Foundation.Data

extension RedisCommand {
    /// The command's arguments after its name, read back from the wire form (the cluster router
    /// needs the keys; the command itself keeps only its wire form).
    var argumentsAfterName: [ArraySlice<UInt8>] {
        var arguments: [ArraySlice<UInt8>] = []
        var index = wire.startIndex
        guard let count = Self.header(in: wire, at: &index) else { return [] }
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            guard let length = Self.header(in: wire, at: &index), index + length <= wire.endIndex else { break }
            arguments.append(wire[index..<index + length])
            index += length + 2
        }
        return Array(arguments.dropFirst())
    }

    /// How many arguments the command has, its name included.
    var argumentCount: Int {
        var index = wire.startIndex
        return Self.header(in: wire, at: &index) ?? 0
    }

    /// The argument after the name (a command's key, when it has keys), without reading the rest.
    var firstArgument: ArraySlice<UInt8>? {
        var index = wire.startIndex
        guard let count = Self.header(in: wire, at: &index), count > 1,
            let nameLength = Self.header(in: wire, at: &index)
        else { return nil }
        index += nameLength + 2
        guard let length = Self.header(in: wire, at: &index), index + length <= wire.endIndex else { return nil }
        return wire[index..<index + length]
    }

    /// A command named `name` with `arguments` (bytes, binary-safe).
    init(_ name: String, arguments: [ArraySlice<UInt8>]) {
        self.init(arguments: [Data(name.utf8)] + arguments.map { Data($0) })
    }

    /// Reads `*N\r\n` or `$N\r\n` at `index` and moves past it.
    private static func header(in bytes: [UInt8], at index: inout Int) -> Int? {
        guard index < bytes.endIndex else { return nil }
        index += 1
        var value = 0
        while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\r") {
            value = value * 10 + Int(bytes[index] &- UInt8(ascii: "0"))
            index += 1
        }
        index += 2
        return value
    }
}
