import Foundation
import Synchronization

/// Plays systemd's part for a drill or the startup benchmark: an `AF_UNIX`/`SOCK_DGRAM` socket given to dropstreamd as
/// `NOTIFY_SOCKET`. Every datagram is stamped by the kernel on arrival (SO_TIMESTAMPNS), so
/// watchdog gaps are measured exactly even when the drill reads late on a loaded machine
/// (the technique of Tests/EndToEndTests/Support/NotifySocket.swift).
///
/// Drain it continuously (``drainContinuously()``): the kernel queues only
/// `net.unix.max_dgram_qlen` datagrams (10 by default) and libsystemd's `sd_notify` then
/// BLOCKS the sending thread — an undrained socket wedges the daemon, which systemd never does.
final class BenchNotifySocket: Sendable {
    struct Message: Sendable {
        var fields: [String: String]
        /// Kernel arrival time (wall clock, since the epoch).
        var arrivedAt: Duration
    }

    let path: String
    private let descriptor: Int32
    private let received = Mutex<[Message]>([])
    var messages: [Message] { received.withLock { $0 } }

    init(path: String) throws {
        unlink(path)  // a socket left by an earlier run in the same scratch directory
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw DrillSetupError("socket(): \(String(cString: strerror(errno)))") }
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
        guard bound == 0 else { throw DrillSetupError("bind(\(path)): \(String(cString: strerror(errno)))") }
        var on: Int32 = 1
        guard setsockopt(descriptor, SOL_SOCKET, SO_TIMESTAMPNS, &on, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw DrillSetupError("setsockopt(SO_TIMESTAMPNS): \(String(cString: strerror(errno)))")
        }
        // Room for minutes of pings even if the drill drains late.
        var size: Int32 = 1 << 20
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Drains every 50 ms until the task is cancelled.
    func drainContinuously() -> Task<Void, Never> {
        Task { while !Task.isCancelled { self.drain(); try? await Task.sleep(for: .milliseconds(50)) } }
    }

    /// Reads every datagram queued so far.
    func drain() {
        received.withLock { messages in readAll(into: &messages) }
    }

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
            var fields: [String: String] = [:]
            for line in String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n") {
                guard let equals = line.firstIndex(of: "=") else { continue }
                fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
            messages.append(Message(fields: fields, arrivedAt: arrivedAt))
        }
    }

    /// Kernel arrival times of the `WATCHDOG=1` pings.
    var pingTimes: [Duration] { messages.filter { $0.fields["WATCHDOG"] == "1" }.map(\.arrivedAt) }

    /// Every `STATUS=` line, in order.
    var statusLines: [String] { messages.compactMap { $0.fields["STATUS"] } }

    /// The longest gap between consecutive pings (and from the last ping to `until`, if given).
    func maxPingGap(until end: Duration? = nil) -> Duration {
        let times = pingTimes
        var gap = Duration.zero
        for (a, b) in zip(times, times.dropFirst()) { gap = max(gap, b - a) }
        if let end, let last = times.last { gap = max(gap, end - last) }
        return gap
    }

    /// Now on the clock the kernel stamps with (CLOCK_REALTIME).
    static func now() -> Duration {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return .seconds(spec.tv_sec) + .nanoseconds(spec.tv_nsec)
    }

    /// Walks the control messages for SCM_TIMESTAMPNS (the C CMSG_* macros are not usable from Swift).
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
