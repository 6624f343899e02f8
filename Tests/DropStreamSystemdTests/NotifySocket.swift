import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A datagram socket standing in for systemd's notification socket: bind it, put ``address`` in
/// `NOTIFY_SOCKET`, and read what `sd_notify` sends.
final class NotifySocket {
    /// The `NOTIFY_SOCKET` value: a file path, or `@name` for an abstract socket.
    let address: String
    private let fd: Int32
    private let path: String?

    /// Binds a new socket at a fresh path under the temporary directory, or a fresh abstract name.
    init(abstract: Bool) throws {
        let name = "dropstream-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemCallError(call: "socket", errno: errno) }

        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        // For an abstract name, sun_path starts with NUL and the length counts only the name's
        // bytes — exactly what sd_notify computes for "@name".
        let pathBytes: [UInt8] = abstract ? [0] + Array(name.utf8) : Array("/tmp/\(name).sock".utf8)
        let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
        precondition(pathBytes.count < capacity)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + pathBytes.count + (abstract ? 0 : 1)
        let result = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(length)) }
        }
        guard result == 0 else {
            let error = errno
            close(fd)
            throw SystemCallError(call: "bind", errno: error)
        }
        self.fd = fd
        if abstract {
            address = "@" + name
            path = nil
        } else {
            path = "/tmp/\(name).sock"
            address = path!
        }
    }

    /// The next datagram, or `nil` if none arrives within `timeout`.
    func receive(timeout: Duration = .seconds(5)) throws -> String? {
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return nil }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SystemCallError(call: "poll", errno: errno)
            }
            if ready == 0 { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count >= 0 else { throw SystemCallError(call: "recv", errno: errno) }
            return String(decoding: buffer[0..<count], as: UTF8.self)
        }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }
}
