import Foundation
import Synchronization

/// Free TCP ports on the loopback interface.
public enum LocalPorts {
    /// The ports handed out in this process: the kernel may offer a closed port again, and two
    /// servers of one test run must not both be told it is theirs.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A port nothing listens on right now and that this process has not handed out before (the
    /// kernel picks it; it is free until someone binds it).
    public static func free() -> Int {
        while true {
            let port = kernelChosenPort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
    }

    /// A TCP connection to the loopback `port`, or `nil` when nothing accepts it.
    public static func connect(to port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func kernelChosenPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
