import Foundation

/// Prepares the control socket's path before the server binds it (tailscale's safesocket:
/// probe, then unlink only what is provably stale).
enum ControlSocket {
    enum PrepareError: Error, CustomStringConvertible {
        /// Another daemon answers on the socket: never steal it.
        case inUse(path: String)
        /// Something that is not a socket sits at the path.
        case notASocket(path: String)
        case cannotCreateDirectory(path: String, errno: Int32)
        case cannotRemoveStale(path: String, errno: Int32)

        var description: String {
            switch self {
            case .inUse(let path):
                return "another dropstreamd is already listening on \(path); stop it first or pass a different --socket"
            case .notASocket(let path):
                return "\(path) exists and is not a socket; refusing to remove it"
            case .cannotCreateDirectory(let path, let code):
                return "cannot create the socket directory \(path): \(String(cString: strerror(code)))"
            case .cannotRemoveStale(let path, let code):
                return "cannot remove the stale socket \(path): \(String(cString: strerror(code)))"
            }
        }
    }

    /// What ``prepare(path:)`` found.
    enum Outcome: Equatable { case fresh, replacedStale }

    /// Makes sure the directory exists and nothing live holds the path.
    static func prepare(path: String) throws(PrepareError) -> Outcome {
        let directory = (path as NSString).deletingLastPathComponent
        if !FileManager.default.fileExists(atPath: directory) {
            // 0755 so group members can reach a 0660 socket; the socket's own mode guards it.
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw .cannotCreateDirectory(path: directory, errno: errno)
            }
        }
        var info = stat()
        guard lstat(path, &info) == 0 else { return .fresh }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else { throw .notASocket(path: path) }
        if isAnswering(path: path) { throw .inUse(path: path) }
        guard unlink(path) == 0 || errno == ENOENT else { throw .cannotRemoveStale(path: path, errno: errno) }
        return .replacedStale
    }

    /// True when a connect succeeds, i.e. a live process listens.
    static func isAnswering(path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
