import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import DropStreamTestWorld
import Foundation

// End-to-end support for the fulfillment tests: an in-process sandbox store with orders, a
// state directory seeded BEFORE the daemon starts (store, encrypted token, imported orders —
// the sync engine is built elsewhere), then the real `dropstreamd` binary and `dropstreamctl`
// processes. The seeding itself is DropStreamTestWorld's `SeededStateDirectory`, shared with
// dropstream-bench.

/// A failure with a message.
struct WorldFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or the deadline passes (no fixed sleeps). The harness's
/// `eventually`, named here so every file of this target has it without importing the harness.
func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async throws {
    try await DropStreamHarness.eventually(what, timeout: timeout, condition)
}

/// A sandbox store with orders, a seeded state directory and a running daemon.
final class FulfillmentWorld: @unchecked Sendable {
    static let storeName = "acme"
    static let storeHash = "acme1"

    let scratch: TemporaryDirectory
    let sandbox: RunningSandbox
    let socketPath: String
    let stateDirectory: String
    var databasePath: String { stateDirectory + "/dropstream.sqlite" }
    /// Sandbox orders, in creation (= claim) order.
    private(set) var sandboxOrders: [SandboxOrder] = []
    private(set) var storeId: Int64 = 0
    private var daemon: SpawnedProcess?
    private let logPath: String
    /// The daemon's callback listener (auth callbacks, /healthz, /metrics).
    private(set) var callbackPort = 0
    /// The extra YAML lines every (re)start of the daemon gets.
    private let daemonConfig: [String: String]

    /// How a world's store and queue start out.
    enum Seeding {
        /// `orders` sandbox orders (each with `lines` lines of quantity 2), already imported into
        /// the queue; the store is paused so the sync engine leaves the queue alone.
        case importedQueue(orders: Int, lines: Int, addressIDOffset: Int)
        /// `orders` sandbox orders seeded with `statusMix`, an empty queue and an active store:
        /// the daemon's sync engine backfills it.
        case syncBackfill(orders: Int, seed: UInt64, statusMix: SandboxStatusMix)
    }

    /// Starts a sandbox with `orders` orders (each with `lines` lines of quantity 2), seeds the
    /// database, and starts dropstreamd with `config` lines added to the YAML.
    convenience init(orders: Int, lines: Int = 2, config: [String: String] = [:], addressIDOffset: Int = 0) async throws {
        try await self.init(seeding: .importedQueue(orders: orders, lines: lines, addressIDOffset: addressIDOffset), config: config)
    }

    /// Starts a sandbox (rate limiting as `sandboxConfiguration` says), seeds it and the database
    /// as `seeding` says, and starts dropstreamd with `config` lines added to the YAML.
    init(seeding: Seeding, config: [String: String] = [:], sandboxConfiguration: SandboxConfiguration = SandboxConfiguration()) async throws {
        scratch = try TemporaryDirectory(prefix: "dsf")
        socketPath = scratch.file("control.sock")
        stateDirectory = scratch.file("state")
        logPath = scratch.file("dropstreamd.log")
        daemonConfig = config
        sandbox = try await RunningSandbox.start(configuration: sandboxConfiguration)
        do {
            switch seeding {
            case .importedQueue(let orders, let lines, let addressIDOffset):
                try await seed(orders: orders, lines: lines, addressIDOffset: addressIDOffset)
            case .syncBackfill(let orders, let seed, let statusMix):
                _ = try await sandbox.state.createStore(hash: Self.storeHash)
                try await sandbox.state.seedOrders(store: Self.storeHash, count: orders, seed: seed, statusMix: statusMix)
                try await seedAuthorizedStore(token: try await sandbox.state.issueToken(store: Self.storeHash))
            }
            try await startDaemonAndWait()
        } catch {
            await shutdown()
            throw error
        }
    }

    private func seed(orders: Int, lines: Int, addressIDOffset: Int) async throws {
        _ = try await sandbox.state.createStore(hash: Self.storeHash)
        let token = try await sandbox.state.issueToken(store: Self.storeHash)
        for n in 0..<orders {
            sandboxOrders.append(try await sandbox.state.createOrder(
                store: Self.storeHash, lines: (0..<lines).map { (sku: "SKU-\(n)-\($0)", quantity: 2) }))
        }
        let (database, store) = try await seedAuthorizedStore(token: token)
        // Paused: the queue is seeded here, so the daemon's sync engine must not re-import these
        // orders under the tests' feet. Shipments of a paused store are still delivered.
        _ = try await database.setStoreState(store.id, to: .paused)
        for order in sandboxOrders {
            try await database.upsertImportedOrder(storeId: store.id, order.importedOrder(addressIDOffset: addressIDOffset, dateModified: Date(timeIntervalSince1970: 1_700_000_000)))
        }
    }

    /// The store row, active, with `token` sealed by a TokenVault whose key file the daemon is
    /// configured with (`tokens.key_file`): what `store add` + `store authorize` leave behind.
    @discardableResult
    private func seedAuthorizedStore(token: String) async throws -> (SQLiteStorage, StoreRecord) {
        let state = try SeededStateDirectory(path: stateDirectory, keyFile: scratch.file("token.key"))
        let store = try await state.connectStore(name: Self.storeName, hash: Self.storeHash, token: token)
        storeId = store.id
        return (state.database, store)
    }

    /// Starts the daemon and waits until it answers on its socket.
    func startDaemonAndWait() async throws {
        try startDaemon(config: daemonConfig)
        try await eventually("the daemon answers on its socket") { try await self.ctl(["status"]).status == 0 }
    }

    /// The running daemon's process id.
    var daemonPID: Int32? { daemon.flatMap { $0.isRunning ? $0.pid : nil } }

    /// SIGKILLs the daemon (no graceful shutdown: a crash or power cut as far as the database
    /// can tell) and waits until it is gone.
    func killDaemon() async throws {
        guard let daemon, daemon.isRunning else { throw WorldFailure("the daemon is not running\n--- log tail:\n\(daemonLog.suffix(3000))") }
        guard try await daemon.killAndWait(timeout: .seconds(10)) else {
            throw WorldFailure("dropstreamd ended before the SIGKILL (status \(daemon.terminationStatus))\n--- log tail:\n\(daemonLog.suffix(3000))")
        }
    }

    private func startDaemon(config extra: [String: String]) throws {
        var settings: [String: String] = [
            "log.level": "debug",
            "tokens.key_file": scratch.file("token.key"),
            "bigcommerce.api_base_url": sandbox.baseURL,
            "bigcommerce.login_base_url": sandbox.baseURL,
            "shipments.push_interval": "100ms",
            "shipments.retry_delay": "100ms",
            "shipments.max_retry_delay": "400ms",
            "queue.rescue_interval": "200ms",
        ]
        settings.merge(extra) { $1 }
        let configPath = scratch.file("dropstreamd.yaml")
        try DaemonConfigFile.write(settings, to: configPath)

        var environment = SpawnedProcess.inheritedEnvironment(droppingPrefix: "DROPSTREAM_")
        callbackPort = try FreePort.next()
        environment["DROPSTREAM_CALLBACK_LISTEN"] = "127.0.0.1:\(callbackPort)"
        // One log over restarts: a restarted daemon appends.
        daemon = try SpawnedProcess(
            executable: BuiltProducts.executable("dropstreamd"),
            arguments: ["--config", configPath, "--state-directory", stateDirectory, "--socket", socketPath],
            environment: environment, outputPath: logPath, appendOutput: true)
    }

    /// The daemon's log so far (for failure messages).
    var daemonLog: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// `dropstreamctl ARGS --socket <ours>`.
    func ctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), arguments + ["--socket", socketPath])
    }

    /// `dropstreamctl ARGS --json`, decoded; fails on a non-zero exit.
    func ctlJSON<T: Decodable>(_ arguments: [String], as type: T.Type) async throws -> T {
        let result = try await ctl(arguments + ["--json"])
        guard result.status == 0 else {
            throw WorldFailure("dropstreamctl \(arguments) exited \(result.status): \(result.stderr)\n--- daemon log tail:\n\(daemonLog.suffix(3000))")
        }
        return try ControlAPI.makeDecoder().decode(T.self, from: Data(result.stdout.utf8))
    }

    func orderDetail(_ id: Int64) async throws -> OrderDetail {
        try await ctlJSON(["orders", "show", String(id)], as: OrderDetail.self)
    }

    /// Waits until every shipment of the order is in `state`.
    func waitForShipments(of id: Int64, toBe state: String, count: Int, timeout: Duration = .seconds(20)) async throws -> OrderDetail {
        var last: OrderDetail?
        do {
            try await eventually("order \(id): \(count) shipment(s) \(state)", timeout: timeout) {
                let detail = try await self.orderDetail(id)
                last = detail
                return detail.shipments.count == count && detail.shipments.allSatisfy { $0.state == state }
            }
        } catch {
            throw WorldFailure("\(error); last seen: \(String(describing: last?.shipments))\n--- daemon log tail:\n\(daemonLog.suffix(4000))")
        }
        return last!
    }

    /// Stops the daemon (SIGTERM, then wait) and the sandbox.
    func shutdown() async {
        await daemon?.stop(grace: .seconds(15))
        try? await sandbox.stop()
    }
}

extension FulfillmentWorld {
    /// Runs `body` in a fresh world and shuts it down afterwards, also when `body` throws.
    static func with(orders: Int, config: [String: String] = [:], _ body: (FulfillmentWorld) async throws -> Void) async throws {
        let world = try await FulfillmentWorld(orders: orders, config: config)
        do {
            try await body(world)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }
}
