import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A sandbox listening on a port: the store API, the OAuth pages and the admin API.
///
/// ```swift
/// let sandbox = try await RunningSandbox.start(configuration: .init(clientID: "id", clientSecret: "secret",
///                                                                   authCallbackURL: "http://127.0.0.1:8780/auth"))
/// try await sandbox.state.createStore(hash: "abc123")
/// try await sandbox.state.seedOrders(store: "abc123", count: 500, seed: 7)
/// let token = try await sandbox.state.issueToken(store: "abc123")
/// // GET \(sandbox.baseURL)/stores/abc123/v2/orders with X-Auth-Token: token
/// try await sandbox.stop()
/// ```
public final class RunningSandbox: Sendable {
    /// `http://127.0.0.1:PORT`, the base of both the API and the login surface.
    public let baseURL: String
    /// The bound port.
    public let port: Int
    /// Admin operations, read-back, faults, clock.
    public let state: SandboxState
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// Store API base for a store: `\(baseURL)/stores/{hash}/v2`.
    public func apiBaseURL(store: String) -> String { "\(baseURL)/stores/\(store)/v2" }
    /// The external install link: `\(baseURL)/app/{client_id}/install`.
    public var installURL: String { "\(baseURL)/app/\(SandboxHTTP.formEncode(state.configuration.clientID))/install" }
    /// The token endpoint: `\(baseURL)/oauth2/token`.
    public var tokenURL: String { "\(baseURL)/oauth2/token" }

    private init(baseURL: String, port: Int, state: SandboxState, group: ServiceGroup, task: Task<Void, any Error>) {
        self.baseURL = baseURL; self.port = port; self.state = state; self.group = group; self.task = task
    }

    /// Starts a sandbox and returns once the port is bound.
    public static func start(configuration: SandboxConfiguration, logger: Logger? = nil) async throws -> RunningSandbox {
        let state = SandboxState(configuration: configuration)
        return try await start(state: state, logger: logger)
    }

    /// Starts serving an existing state (e.g. one prepared before binding).
    public static func start(state: SandboxState, logger: Logger? = nil) async throws -> RunningSandbox {
        let c = state.configuration
        var log = logger ?? Logger(label: "bigcommerce-sandbox")
        if logger == nil { log.logLevel = .warning }
        let base = SandboxRouter.BaseURL()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: SandboxRouter(state: state, baseURL: base),
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "bigcommerce-sandbox"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                base.set("http://\(c.host.contains(":") ? "[\(c.host)]" : c.host):\(port)")
                continuation.yield(port)
                continuation.finish()
            },
            logger: log)
        let group = ServiceGroup(configuration: .init(services: [app], logger: log))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var it = ports.makeAsyncIterator()
        guard let port = await it.next() else {
            try await task.value
            throw SandboxError(status: 500, "The sandbox stopped before binding \(c.host):\(c.port).")
        }
        return RunningSandbox(baseURL: base.get(), port: port, state: state, group: group, task: task)
    }

    /// Stops listening and waits until the server is down.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

/// Runs `body` with a started sandbox and stops it afterwards, also when `body` throws.
public func withRunningSandbox<T: Sendable>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(),
    _ body: (RunningSandbox) async throws -> T
) async throws -> T {
    let sandbox = try await RunningSandbox.start(configuration: configuration)
    do {
        let r = try await body(sandbox)
        try await sandbox.stop()
        return r
    } catch {
        try? await sandbox.stop()
        throw error
    }
}

/// The sandbox as a `Service` for a ServiceGroup (the executable uses it).
public struct SandboxService: Service {
    public let state: SandboxState
    let onRunning: @Sendable (String) async -> Void
    let logger: Logger

    /// `onRunning` receives the base URL once the port is bound.
    public init(state: SandboxState, logger: Logger, onRunning: @escaping @Sendable (String) async -> Void) {
        self.state = state; self.logger = logger; self.onRunning = onRunning
    }

    public func run() async throws {
        let c = state.configuration
        let base = SandboxRouter.BaseURL()
        let onRunning = self.onRunning
        let app = Application(
            responder: SandboxRouter(state: state, baseURL: base),
            configuration: .init(address: .hostname(c.host, port: c.port), serverName: "bigcommerce-sandbox"),
            onServerRunning: { channel in
                let url = "http://\(c.host):\(channel.localAddress?.port ?? 0)"
                base.set(url)
                await onRunning(url)
            },
            logger: logger)
        try await app.run()
    }
}
