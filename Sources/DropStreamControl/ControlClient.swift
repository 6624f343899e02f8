import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// What went wrong talking to the daemon, in words an operator can act on.
public enum ControlClientError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Nothing listens on the socket: the daemon is not running, or listens elsewhere.
    case daemonNotRunning(socketPath: String)
    /// The socket exists but this user may not connect to it; `group` owns the socket.
    case permissionDenied(socketPath: String, group: String?)
    /// The daemon refused this user (HTTP 403 from the peer-credential check); the message says
    /// who may and how to get in.
    case forbidden(message: String)
    /// The daemon answered with an error body.
    case daemon(status: Int, body: ControlErrorBody)
    /// The daemon answered something this ctl cannot read (a version mismatch, most likely).
    case unreadableResponse(status: Int, detail: String)
    /// The connection failed in another way.
    case transport(detail: String)

    public var description: String {
        switch self {
        case .daemonNotRunning(let path):
            return "dropstreamd is not running: nothing is listening on \(path) (start it with 'systemctl start dropstreamd', or pass --socket)."
        case .permissionDenied(let path, let group):
            let name = group ?? "dropstream"
            return "permission denied on \(path): only root and members of the group '\(name)' may use dropstreamd's control socket. "
                + "Add yourself to the group (sudo usermod -aG \(name) $USER, then log in again) or use sudo."
        case .forbidden(let message):
            return message
        case .daemon(_, let body):
            return body.message
        case .unreadableResponse(let status, let detail):
            return "the daemon's answer (HTTP \(status)) could not be read: \(detail). Are dropstreamctl and dropstreamd the same version?"
        case .transport(let detail):
            return "could not talk to dropstreamd: \(detail)"
        }
    }
}

/// A client of the control API over the daemon's Unix socket. `dropstreamctl` is its main user.
public struct ControlClient: Sendable {
    /// The socket this client talks to.
    public let socketPath: String
    private let timeout: TimeAmount

    public init(socketPath: String, timeout: Duration = .seconds(30)) {
        self.socketPath = socketPath
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    /// `GET /v1/status`.
    public func status() async throws(ControlClientError) -> StatusResponse {
        try await get(ControlAPI.Path.status, as: StatusResponse.self)
    }

    /// Sends `body` as JSON with `method` and decodes the JSON response.
    public func send<Body: Encodable, Response: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body, as type: Response.Type
    ) async throws(ControlClientError) -> Response {
        let data: Data
        do {
            data = try ControlAPI.makeEncoder().encode(body)
        } catch {
            throw .transport(detail: "cannot encode the request: \(error)")
        }
        return try await send(method: method, path: path, body: data, as: type)
    }

    /// Sends a request without a body (`POST`, `DELETE`) and decodes the JSON response.
    public func send<Response: Decodable>(_ method: HTTPMethod, _ path: String, as type: Response.Type) async throws(ControlClientError) -> Response {
        try await send(method: method, path: path, body: nil, as: type)
    }

    /// Sends a `GET` and decodes a JSON response.
    public func get<Response: Decodable>(_ path: String, as type: Response.Type) async throws(ControlClientError) -> Response {
        try await send(method: .GET, path: path, body: nil, as: type)
    }

    /// Sends a request with an optional JSON body and decodes a JSON response.
    public func send<Response: Decodable>(
        method: HTTPMethod, path: String, body: Data?, as type: Response.Type
    ) async throws(ControlClientError) -> Response {
        try checkSocket()
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw .transport(detail: "the socket path \(socketPath) cannot be used in a URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: body))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: timeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        } catch {
            throw classify(error)
        }
        let data = Data(buffer: bytes)
        let decoder = ControlAPI.makeDecoder()
        guard (200..<300).contains(status) else {
            if let body = try? decoder.decode(ControlErrorBody.self, from: data) {
                if status == 403 { throw .forbidden(message: body.message) }
                throw .daemon(status: status, body: body)
            }
            throw .unreadableResponse(status: status, detail: String(decoding: data.prefix(200), as: UTF8.self))
        }
        do {
            return try decoder.decode(Response.self, from: data)
        } catch {
            throw .unreadableResponse(status: status, detail: String(describing: error))
        }
    }

    /// Turns the common failures into sentences before the HTTP machinery hides the errno.
    private func checkSocket() throws(ControlClientError) {
        var info = stat()
        guard stat(socketPath, &info) == 0 else {
            if errno == EACCES { throw .permissionDenied(socketPath: socketPath, group: nil) }
            throw .daemonNotRunning(socketPath: socketPath)
        }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw .transport(detail: "\(socketPath) exists but is not a socket")
        }
        if access(socketPath, W_OK) != 0 { throw .permissionDenied(socketPath: socketPath, group: Self.groupName(info.st_gid)) }
    }

    /// The name of the group with `gid`, or the number when it has none.
    private static func groupName(_ gid: gid_t) -> String {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getgrgid_r(gid, &entry, &buffer, buffer.count, &result) == 0, result != nil, let name = entry.gr_name else { return String(gid) }
        return String(cString: name)
    }

    private func classify(_ error: any Error) -> ControlClientError {
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED, ENOENT: return .daemonNotRunning(socketPath: socketPath)
            case EACCES, EPERM: return .permissionDenied(socketPath: socketPath, group: nil)
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("Connection refused") || text.contains("connectTimeout") {
            return .daemonNotRunning(socketPath: socketPath)
        }
        return .transport(detail: text)
    }
}
