import Foundation

/// HTTP/1.1 over a plain socket, byte for byte: hostile-input and limit tests need to send what
/// no well-behaved client would (invalid UTF-8, a trickled head, a 100 KB header) and to see
/// exactly when the server closes.
struct RawHTTPConnection {
    let fd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Connects to the Unix socket at `path`.
    static func unix(_ path: String, timeout: Duration = .seconds(15)) throws -> RawHTTPConnection {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect \(path): errno \(errno)")
        }
        return try RawHTTPConnection(fd: fd, timeout: timeout)
    }

    /// Connects to 127.0.0.1:`port`.
    static func tcp(port: Int, timeout: Duration = .seconds(15)) throws -> RawHTTPConnection {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect 127.0.0.1:\(port): errno \(errno)")
        }
        return try RawHTTPConnection(fd: fd, timeout: timeout)
    }

    private init(fd: Int32, timeout: Duration) throws {
        self.fd = fd
        var time = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
    }

    func close() { _ = Glibc.close(fd) }

    /// Writes all of `bytes`; false when the peer has closed (EPIPE, ECONNRESET).
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Reads until the peer closes or the receive timeout passes.
    func readToEnd() -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { break }
            result += buffer[0..<count]
        }
        return result
    }

    /// True when the peer has closed the connection (a read returns 0 or a reset) without waiting.
    func peerClosed() -> Bool {
        var byte: UInt8 = 0
        let count = recv(fd, &byte, 1, Int32(MSG_DONTWAIT | MSG_PEEK))
        if count == 0 { return true }
        if count < 0 { return errno == ECONNRESET }
        return false
    }
}

/// A parsed response: status and body (Connection: close, so the body runs to the end).
struct RawHTTPResponse {
    var status: Int
    var headers: String
    var body: [UInt8]
    var bodyText: String { String(decoding: body, as: UTF8.self) }

    init?(_ bytes: [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let parts = head.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        self.status = status
        headers = head
        body = Array(bytes[(end + 4)...])
    }
}

enum RawHTTP {
    /// One request with `Connection: close`; nil when the server closed without an answer.
    static func exchange(_ connection: RawHTTPConnection, method: String, target: String, body: [UInt8]? = nil, extraHeaders: [String] = []) -> RawHTTPResponse? {
        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        for header in extraHeaders { head += header + "\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        head += "\r\n"
        guard connection.send(Array(head.utf8) + (body ?? [])) else { return nil }
        return RawHTTPResponse(connection.readToEnd())
    }

    /// Opens a connection to the Unix socket, sends one request and closes.
    static func unix(_ path: String, method: String, target: String, body: [UInt8]? = nil) throws -> RawHTTPResponse? {
        let connection = try RawHTTPConnection.unix(path)
        defer { connection.close() }
        return exchange(connection, method: method, target: target, body: body)
    }

    /// Opens a connection to 127.0.0.1:`port`, sends one request and closes.
    static func tcp(port: Int, method: String, target: String, body: [UInt8]? = nil, extraHeaders: [String] = []) throws -> RawHTTPResponse? {
        let connection = try RawHTTPConnection.tcp(port: port)
        defer { connection.close() }
        return exchange(connection, method: method, target: target, body: body, extraHeaders: extraHeaders)
    }
}
