import Foundation
import Synchronization

/// A real `AF_UNIX`/`SOCK_DGRAM` socket that plays systemd's part: a spawned daemon gets its path
/// as `NOTIFY_SOCKET` and every `sd_notify` datagram lands here. Each datagram is stamped by the
/// kernel on arrival (SO_TIMESTAMPNS), so cadence (watchdog gaps, time to READY=1) is measured
/// exactly even when the reader runs late on a loaded machine.
///
/// Drain it while the daemon runs: the kernel queues only `net.unix.max_dgram_qlen` datagrams
/// (10 by default) and libsystemd's `sd_notify` then BLOCKS the sending thread — an undrained
/// socket wedges the daemon, which systemd never does. The waiting calls (`next`, `waitForAny`)
/// drain as they poll; a caller that does not wait the whole time runs ``drainContinuously()``.
public final class NotifySocket: Sendable {
    /// One datagram, parsed into its `KEY=value` assignments, with when it arrived.
    public struct Message: Sendable, CustomStringConvertible {
        public var fields: [String: String]
        /// When it was read (late under load: several datagrams can share one reading).
        public var receivedAt: ContinuousClock.Instant
        /// When the kernel queued it (SO_TIMESTAMPNS, wall clock since the epoch): exact even
        /// when read late, so cadence is measured from this.
        public var arrivedAt: Duration
        public var raw: String
        public var description: String { raw.replacingOccurrences(of: "\n", with: " | ") }
    }

    private struct State {
        var received: [Message] = []
        /// How many of `received` the `next` calls have consumed.
        var consumed = 0
    }

    public let path: String
    private let descriptor: Int32
    private let state = Mutex(State())

    /// Binds a socket at `path` (removing one an earlier run left there).
    public init(path: String) throws {
        unlink(path)
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HarnessError("socket(): \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let descriptor = self.descriptor
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = errno
            close(descriptor)
            throw HarnessError("bind(\(path)): \(String(cString: strerror(error)))")
        }
        var on: Int32 = 1
        guard setsockopt(descriptor, SOL_SOCKET, SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            let error = errno
            close(descriptor)
            throw HarnessError("setsockopt(SO_TIMESTAMPNS): \(String(cString: strerror(error)))")
        }
        // Room for minutes of pings even if the reader drains late.
        var size: Int32 = 1 << 20
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Binds `notify.sock` in `directory`.
    public convenience init(directory: URL) throws {
        try self.init(path: directory.appendingPathComponent("notify.sock").path)
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    // MARK: Reading

    /// Drains every 50 ms until the task is cancelled.
    public func drainContinuously() -> Task<Void, Never> {
        Task { while !Task.isCancelled { self.drain(); try? await Task.sleep(for: .milliseconds(50)) } }
    }

    /// Reads every datagram queued so far.
    public func drain() {
        state.withLock { state in readAll(into: &state.received) }
    }

    /// Every message read so far, including ones `next` consumed (does not drain).
    public var messages: [Message] { state.withLock { $0.received } }

    /// Every message received so far (drains first).
    public var all: [Message] {
        drain()
        return messages
    }

    /// Waits for the next unconsumed message that satisfies `predicate`; earlier non-matching
    /// messages are consumed too. Polls with a deadline instead of sleeping a fixed time.
    public func next(timeout: Duration = .seconds(30), matching predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            drain()
            let found: Message? = state.withLock { state in
                while state.consumed < state.received.count {
                    let message = state.received[state.consumed]
                    state.consumed += 1
                    if predicate(message) { return message }
                }
                return nil
            }
            if let found { return found }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("no matching sd_notify message within \(timeout); got: \(messages.map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits for a message that sets `key` (to `value` when given).
    public func next(setting key: String, to value: String? = nil, timeout: Duration = .seconds(30)) async throws -> Message {
        try await next(timeout: timeout) { message in
            guard let actual = message.fields[key] else { return false }
            return value == nil || actual == value
        }
    }

    /// Waits until any message so far, consumed or not, satisfies `predicate`.
    public func waitForAny(timeout: Duration = .seconds(30), matching predicate: (Message) -> Bool) async throws -> Message {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let message = all.first(where: predicate) { return message }
            guard ContinuousClock.now < deadline else {
                throw HarnessError("no sd_notify message matched within \(timeout); got: \(messages.map(\.description))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    // MARK: Figures

    /// Kernel arrival times of the `WATCHDOG=1` pings.
    public var pingTimes: [Duration] { messages.filter { $0.fields["WATCHDOG"] == "1" }.map(\.arrivedAt) }

    /// Every `STATUS=` line, in order.
    public var statusLines: [String] { messages.compactMap { $0.fields["STATUS"] } }

    /// The longest gap between consecutive pings (and from the last ping to `until`, if given).
    public func maxPingGap(until end: Duration? = nil) -> Duration {
        let times = pingTimes
        var gap = Duration.zero
        for (a, b) in zip(times, times.dropFirst()) { gap = max(gap, b - a) }
        if let end, let last = times.last { gap = max(gap, end - last) }
        return gap
    }

    /// Now on the clock the kernel stamps with (CLOCK_REALTIME).
    public static func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }

    // MARK: Plumbing

    private func readAll(into messages: inout [Message]) {
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
            messages.append(Message(fields: fields, receivedAt: .now, arrivedAt: arrivedAt, raw: raw))
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
