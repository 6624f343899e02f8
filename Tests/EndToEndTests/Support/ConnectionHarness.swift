import AsyncHTTPClient
import BigCommerceSandbox
import DropStreamControl
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The connection tests, one at a time: each spawns a daemon, a sandbox and many ctl processes,
/// and run all at once they starve the timing-sensitive tests that share the machine (the
/// watchdog's ping cadence, the sandbox's rate-limit window).
@Suite(.serialized) enum ConnectionTests {}

/// A spawned dropstreamd wired to an in-process BigCommerce sandbox: the sandbox's app callbacks
/// point at the daemon's callback listener, the daemon's API and login base URLs at the sandbox.
final class ConnectionHarness: @unchecked Sendable {
    static let clientID = "e2e-client-id"
    /// Long and distinctive, so a leak test can search for it.
    static let clientSecret = "e2e-client-secret-7f3a9c1d5e"

    let daemon: DaemonHarness
    let sandbox: RunningSandbox
    let process: SpawnedProcess
    var callbackBase: String { "http://127.0.0.1:\(daemon.callbackPort)" }

    private init(daemon: DaemonHarness, sandbox: RunningSandbox, process: SpawnedProcess) {
        self.daemon = daemon
        self.sandbox = sandbox
        self.process = process
    }

    /// Starts the sandbox and the daemon (waits for READY=1).
    /// `seed` runs on the daemon's database before the daemon starts (for orders, which only the
    /// sync engine writes otherwise).
    static func start(
        authorizationWindow: String = "10m", codeLifetime: Duration = .seconds(300),
        seed: (@Sendable (SQLiteStorage) async throws -> Void)? = nil
    ) async throws -> ConnectionHarness {
        let daemon = try DaemonHarness()
        if let seed {
            try FileManager.default.createDirectory(atPath: daemon.stateDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try await seed(try SQLiteStorage.open(path: daemon.stateDirectory + "/dropstream.sqlite"))
        }
        let callbackBase = "http://127.0.0.1:\(daemon.callbackPort)"
        let sandbox = try await RunningSandbox.start(configuration: SandboxConfiguration(
            clientID: clientID, clientSecret: clientSecret,
            authCallbackURL: callbackBase + "/bigcommerce/auth",
            uninstallCallbackURL: callbackBase + "/bigcommerce/uninstall",
            loadCallbackURL: callbackBase + "/bigcommerce/load",
            codeLifetime: codeLifetime
        ))
        let secretFile = daemon.directory.file("client-secret")
        _ = FileManager.default.createFile(atPath: secretFile, contents: Data(clientSecret.utf8), attributes: [.posixPermissions: 0o600])
        let config = """
            log:
              level: debug
            callback:
              listen: 127.0.0.1:\(daemon.callbackPort)
              public_url: \(callbackBase)
            bigcommerce:
              client_id: \(clientID)
              client_secret_file: \(secretFile)
              api_base_url: \(sandbox.baseURL)
              login_base_url: \(sandbox.baseURL)
            authorization:
              window: \(authorizationWindow)

            """
        try config.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        let process: SpawnedProcess
        do {
            process = try await daemon.startAndWaitUntilReady()
        } catch {
            try? await sandbox.stop()
            throw error
        }
        return ConnectionHarness(daemon: daemon, sandbox: sandbox, process: process)
    }

    /// Stops the daemon (SIGTERM) and the sandbox.
    func stop() async throws {
        process.signal(SIGTERM)
        _ = try? await process.waitForExit()
        try await sandbox.stop()
    }

    /// A store in the sandbox; its owner signs in as owner@{hash}.example.com.
    @discardableResult
    func createStore(_ hash: String, labels: [Int: String] = [:]) async throws -> String {
        try await sandbox.state.createStore(hash: hash, customStatusLabels: labels)
    }

    func ctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await daemon.ctl(arguments)
    }

    /// Runs a ctl command that must succeed and decodes its `--json` output.
    func ctlJSON<T: Decodable>(_ arguments: [String], as type: T.Type) async throws -> T {
        let result = try await ctl(arguments + ["--json"])
        guard result.status == 0 else {
            throw TestFailure("dropstreamctl \(arguments.joined(separator: " ")) exited \(result.status): \(result.stderr)")
        }
        return try ControlAPI.makeDecoder().decode(T.self, from: Data(result.stdout.utf8))
    }

    func store(_ name: String) async throws -> StoreDetail {
        try await ctlJSON(["store", "show", name], as: StoreDetail.self)
    }

    // MARK: the browser

    struct Page {
        var status: Int
        var headers: HTTPHeaders
        var text: String
    }

    /// A client that follows no redirect, so each step of the install is visible. Process-wide
    /// and never shut down, like `HTTPClient.shared`.
    static let browser: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// One HTTP exchange, no redirects followed (a browser's single step).
    func fetch(_ url: String, method: HTTPMethod = .GET, form: String? = nil) async throws -> Page {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await Self.browser.execute(request, timeout: .seconds(20))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Page(status: Int(response.status.code), headers: response.headers, text: String(buffer: body))
    }

    /// The store owner on the install pages: open the authorize URL, sign in, confirm. Returns
    /// the redirect target (the daemon's auth callback with code, scope, context) without following it.
    func confirmInstall(authorizeURL: String, store: String) async throws -> String {
        let install = try await fetch(authorizeURL)
        guard install.status == 200 else { throw TestFailure("install page: \(install.status)") }
        let signIn = try await fetch(sandbox.baseURL + "/login", method: .POST, form: "client_id=\(Self.clientID)&email=owner%40\(store).example.com&password=sandbox&store_hash=\(store)")
        guard signIn.status == 200, let session = signIn.text.firstMatch(of: #/name="session" value="([a-z0-9]+)"/#)?.1 else {
            throw TestFailure("sign-in page: \(signIn.status) \(signIn.text)")
        }
        let confirm = try await fetch(sandbox.baseURL + "/app/\(Self.clientID)/install/confirm", method: .POST, form: "session=\(session)&store_hash=\(store)&action=confirm")
        guard confirm.status == 302, let location = confirm.headers.first(name: "Location") else {
            throw TestFailure("confirm: \(confirm.status) \(confirm.text)")
        }
        return location
    }

    /// The whole browser trip: install pages, then follow the redirect to the daemon's callback.
    func authorizeInBrowser(authorizeURL: String, store: String) async throws -> (redirect: String, callback: Page) {
        let location = try await confirmInstall(authorizeURL: authorizeURL, store: store)
        return (location, try await fetch(location))
    }

    /// `store authorize NAME --json`, decoded.
    func startAuthorization(_ name: String) async throws -> AuthorizationStartResponse {
        try await ctlJSON(["store", "authorize", name], as: AuthorizeOutputShape.self).authorization
    }

    /// The daemon's log so far.
    var log: String { process.output }
}

/// `store authorize --json`'s document (the ctl's own type is not importable from tests).
struct AuthorizeOutputShape: Codable {
    var authorization: AuthorizationStartResponse
    var progress: AuthorizationProgressResponse?
}
