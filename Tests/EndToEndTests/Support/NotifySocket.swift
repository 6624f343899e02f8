import Foundation

/// A real `AF_UNIX`/`SOCK_DGRAM` socket that plays systemd's part: a spawned daemon gets its
/// path as `NOTIFY_SOCKET` and every `sd_notify` datagram lands here.
final class NotifySocket: @unchecked Sendable {
    /// One datagram, parsed into its `KEY=value` assignments, with when it arrived.
    struct Message: Sendable, CustomStringConvertible {
        var fields: [String: String]
        /// When the test read it (late under load: several datagrams can share one reading).
        var receivedAt: ContinuousClock.Instant
        /// When the kernel queued it (SO_TIMESTAMPNS, wall clock): exact even when the test
        /// reads late, so cadence is measured from this.
        var arrivedAt: Duration
        var raw: String
        var description: String { raw.replacingOccurrences(of: "\n", with: " | ") }
    }

    let path: String
    private let descriptor: Int32
    // Only touched from the one test task that owns this socket; hence @unchecked.
    private var received: [Message] = []
    private var consumed = 0

    init(directory: URL) throws {
        path = directory.appendingPathComponent("notify.sock").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw TestFailure("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = self.path
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let descriptor = self.descriptor
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw TestFailure("bind(\(path)): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        guard setsockopt(descriptor, SOL_SOCKET, SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw TestFailure("setsockopt(SO_TIMESTAMPNS): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Every message received so far, including ones already consumed.
    var all: [Message] {
        drain()
        return received
    }

    /// Waits for the next unconsumed message that satisfies `predicate`; earlier non-matching
    /// messages are consumed too. Polls with a deadline instead of sleeping a fixed time.
    func next(timeout: Duration = .seconds(30), matching predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            drain()
            while consumed < received.count {
                let message = received[consumed]
                consumed += 1
                if predicate(message) { return message }
            }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no matching sd_notify message within \(timeout); got: \(received.map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until any message so far, consumed or not, satisfies `predicate`.
    func waitForAny(timeout: Duration = .seconds(30), matching predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let message = all.first(where: predicate) { return message }
            guard ContinuousClock.now < deadline else {
                throw TestFailure("no sd_notify message matched within \(timeout); got: \(received.map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for a message that sets `key` (to `value` when given).
    func next(setting key: String, to value: String? = nil, timeout: Duration = .seconds(30)) async throws -> Message {
        try await next(timeout: timeout) { message in
            guard let actual = message.fields[key] else { return false }
            return value == nil || actual == value
        }
    }

    private func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 128)
        while true {
            var arrivedAt = Duration.zero
            let count = buffer.withUnsafeMutableBytes { data in
                control.withUnsafeMutableBytes { controlBytes in
                    var vector = iovec(iov_base: data.baseAddress, iov_len: data.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var header = msghdr()
                        header.msg_iov = vectorPointer
                        header.msg_iovlen = 1
                        header.msg_control = controlBytes.baseAddress
                        header.msg_controllen = controlBytes.count
                        let received = recvmsg(descriptor, &header, 0)
                        if received > 0 { arrivedAt = Self.kernelTimestamp(controlBytes, length: Int(header.msg_controllen)) }
                        return received
                    }
                }
            }
            guard count > 0 else { return }
            let raw = String(decoding: buffer[0..<count], as: UTF8.self)
            var fields: [String: String] = [:]
            for line in raw.split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            received.append(Message(fields: fields, receivedAt: .now, arrivedAt: arrivedAt, raw: raw))
        }
    }

    /// Walks the control messages (`struct cmsghdr { size_t len; int level; int type; data }`,
    /// 8-byte aligned on Linux) for SCM_TIMESTAMPNS; the C CMSG_* macros are not usable from Swift.
    private static func kernelTimestamp(_ control: UnsafeMutableRawBufferPointer, length: Int) -> Duration {
        var offset = 0
        let headerSize = MemoryLayout<Int>.size + 2 * MemoryLayout<Int32>.size
        while offset + headerSize <= length {
            let cmsgLength = control.load(fromByteOffset: offset, as: Int.self)
            let level = control.load(fromByteOffset: offset + MemoryLayout<Int>.size, as: Int32.self)
            let type = control.load(fromByteOffset: offset + MemoryLayout<Int>.size + 4, as: Int32.self)
            guard cmsgLength >= headerSize else { break }
            if level == SOL_SOCKET && type == SO_TIMESTAMPNS, offset + headerSize + 16 <= length {
                let seconds = control.load(fromByteOffset: offset + headerSize, as: Int.self)
                let nanoseconds = control.load(fromByteOffset: offset + headerSize + 8, as: Int.self)
                return .seconds(seconds) + .nanoseconds(nanoseconds)
            }
            offset += (cmsgLength + 7) & ~7
        }
        return .zero
    }
}

/// A failure with a message, for helpers that cannot use `#expect`.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
