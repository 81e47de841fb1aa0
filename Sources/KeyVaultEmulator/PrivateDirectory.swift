import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory only this process's user can read or change, for the generated CA and keys: no
/// other local user may plant a CA of their own, swap a key, or read one.
enum PrivateDirectory {
    /// Why a directory was refused.
    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    /// A new directory under the temporary directory, made by `mkdtemp` (mode 0700, a name no one
    /// could have guessed and created first).
    static func makeTemporary(prefix: String) throws -> String {
        var template = Array((NSTemporaryDirectory() + "/\(prefix)-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw Refusal(description: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }

    /// Creates `path` with mode 0700 (its parents as usual), or accepts an existing one that is a
    /// real directory (not a link), owned by this user and writable by no one else, narrowing it
    /// to 0700.
    static func prepare(_ path: String) throws {
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        }
        if mkdir(path, 0o700) == 0 { return }
        guard errno == EEXIST else {
            throw Refusal(description: "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        // attributesOfItem does not follow a final link (lstat).
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        guard attributes[.type] as? FileAttributeType == .typeDirectory else {
            throw Refusal(description: "\(path) is not a directory (a link or a file): remove it")
        }
        let owner = (attributes[.ownerAccountID] as? NSNumber)?.uint32Value
        guard owner == geteuid() else {
            throw Refusal(
                description: "\(path) belongs to user \(owner.map(String.init) ?? "?"), not to this user: remove it")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o022 == 0 else {
            throw Refusal(description: "\(path) is writable by others (mode \(String(mode, radix: 8))): remove it")
        }
        guard chmod(path, 0o700) == 0 else {
            throw Refusal(description: "cannot restrict \(path): \(String(cString: strerror(errno)))")
        }
    }
}
