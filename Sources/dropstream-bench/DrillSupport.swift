import ArgumentParser
import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import DropStreamTestWorld
import Foundation

/// `drill NAME`: reliability drills (issue 7). Each one runs the real `dropstreamd` against the
/// in-process sandbox, does something nasty to it, and prints figures that must all be 0; any
/// figure that is not 0 makes the drill exit 1, so the small forms the test suite runs fail loudly.
struct Drill: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Reliability drills: SIGKILLs, injected API faults, a full or read-only state disk.",
        discussion: """
            Every drill prints a human summary and one JSON line of figures, and exits 1 when a figure \
            that must be 0 is not, or when the drill could not run (77: skipped, with the reason). dropstreamd \
            and dropstreamctl must sit next to this executable (`swift build` puts them there).
            """,
        subcommands: [DrillKill.self, DrillFaults.self, DrillDisk.self])
}

/// A drill's verdict: the figures that must be 0, with a JSON line of everything.
struct DrillFigures {
    var name: String
    /// Figures that must all be 0, in print order.
    var mustBeZero: [(String, Int)] = []
    /// Other figures (context), in print order.
    var info: [(String, Any)] = []

    /// Prints `name = value` lines, then the JSON line; throws `ExitCode(1)` when a figure is not 0.
    func report() throws {
        for (key, value) in mustBeZero { print("  \(key) = \(value)") }
        var json: [String: Any] = ["drill": name]
        for (key, value) in info { json[key] = value }
        for (key, value) in mustBeZero { json[key] = value }
        #if DEBUG
        json["build"] = "debug"
        #else
        json["build"] = "release"
        #endif
        let failed = mustBeZero.filter { $0.1 != 0 }
        json["passed"] = failed.isEmpty
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("drill \(name) FAILED: \(failed.map { "\($0.0) = \($0.1)" }.joined(separator: ", "))\n".utf8))
            throw ExitCode(1)
        }
        print("drill \(name): all figures 0")
    }
}

/// A drill that could not run (setup failed, the daemon never answered...).
struct DrillSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Parses `45s`, `2m`, `10m`, `1h`, or plain seconds.
func parseDrillDuration(_ text: String) throws -> Duration {
    let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, factor) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value > 0 { return .milliseconds(Int64(value * factor * 1000)) }
    }
    if let value = Double(text), value > 0 { return .milliseconds(Int64(value * 1000)) }
    throw ValidationError("'\(text)' is not a duration (examples: 45s, 10m)")
}

/// The world a drill runs in: an in-process sandbox with one store, a state directory seeded
/// with that store connected (what `store add` + `store authorize` leave behind), and the real
/// `dropstreamd` binary spawned against them — the pattern of `FulfillmentWorld` in the tests.
final class DrillWorld: @unchecked Sendable {
    static let storeName = "acme"
    static let storeHash = "drill1"

    let scratch: String
    let sandbox: RunningSandbox
    let stateDirectory: String
    let socketPath: String
    let logPath: String
    let keyFile: String
    var databasePath: String { stateDirectory + "/dropstream.sqlite" }
    private(set) var storeId: Int64 = 0
    private(set) var daemon: SpawnedProcess?
    /// YAML settings (`section.key`) every start gets.
    var config: [String: String]
    /// Extra environment for the daemon (NOTIFY_SOCKET, WATCHDOG_USEC).
    var extraEnvironment: [String: String] = [:]
    let client: ControlClient

    /// - Parameter stateDirectory: where the state lives (a mount point for the disk drill);
    ///   default `<scratch>/state`.
    init(scratch: String, stateDirectory: String? = nil, sandboxConfiguration: SandboxConfiguration, config: [String: String]) async throws {
        self.scratch = scratch
        self.stateDirectory = stateDirectory ?? scratch + "/state"
        socketPath = scratch + "/control.sock"
        logPath = scratch + "/dropstreamd.log"
        keyFile = scratch + "/token.key"
        self.config = config
        client = ControlClient(socketPath: socketPath, timeout: .seconds(120))
        sandbox = try await RunningSandbox.start(configuration: sandboxConfiguration)
    }

    /// The sandbox store with `orders` seeded orders, and the state directory with it connected.
    func seed(orders: Int, seed: UInt64, statusMix: SandboxStatusMix = .realistic, quota: Int? = nil) async throws {
        _ = try await sandbox.state.createStore(hash: Self.storeHash, quota: quota)
        try await sandbox.state.seedOrders(store: Self.storeHash, count: orders, seed: seed, statusMix: statusMix)
        let token = try await sandbox.state.issueToken(store: Self.storeHash)
        let state = try SeededStateDirectory(path: stateDirectory, keyFile: keyFile)
        storeId = try await state.connectStore(name: Self.storeName, hash: Self.storeHash, token: token).id
    }

    // MARK: The daemon

    /// Spawns dropstreamd (its output appended to the one log file).
    func startDaemon() throws {
        var settings: [String: String] = [
            "log.level": "info",
            "tokens.key_file": keyFile,
            "bigcommerce.api_base_url": sandbox.baseURL,
            "bigcommerce.login_base_url": sandbox.baseURL,
        ]
        settings.merge(config) { $1 }
        let configPath = scratch + "/dropstreamd.yaml"
        try DaemonConfigFile.write(settings, to: configPath)
        daemon = try BenchDaemon.spawn(
            BuiltProducts.executable("dropstreamd"), config: configPath, stateDirectory: stateDirectory, socket: socketPath, log: logPath,
            callbackPort: try FreePort.next(), extraEnvironment: extraEnvironment)
    }

    /// Waits until the daemon answers on its socket.
    func waitUntilAnswering(timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if (try? await client.status()) != nil { return }
            guard let daemon, daemon.isRunning else {
                throw DrillSetupError("dropstreamd exited (status \(daemon?.terminationStatus ?? -1)) before answering\n--- log tail:\n\(logTail())")
            }
            guard ContinuousClock.now < deadline else { throw DrillSetupError("dropstreamd did not answer within \(timeout)\n--- log tail:\n\(logTail())") }
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    func startDaemonAndWait() async throws {
        try startDaemon()
        try await waitUntilAnswering()
    }

    /// SIGKILLs the daemon; returns false when it had already ended on its own.
    @discardableResult
    func killDaemon() async throws -> Bool {
        guard let daemon else { return false }
        return try await daemon.killAndWait(timeout: .seconds(20))
    }

    /// SIGTERM, then SIGKILL after 20 s.
    func stopDaemon() async {
        await daemon?.stop(grace: .seconds(20))
    }

    func logTail(_ count: Int = 3000) -> String {
        String(((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").suffix(count))
    }

    /// A pass on demand (`dropstreamctl store sync acme [--full] --wait`).
    func pass(full: Bool) async throws -> SyncPassInfo? {
        let response = try await client.send(
            .POST, ControlAPI.Path.storeSync(Self.storeName), body: SyncRequest(full: full, wait: true), as: SyncResponse.self)
        return response.pass
    }

    /// Runs passes until one succeeds (a pass may meet an injected fault or a full disk).
    ///
    /// Incremental by default: the pass the daemon would run next anyway. A full pass would
    /// re-import whatever earlier passes missed and so hide a loss from the audit.
    func cleanPass(full: Bool = false, attempts: Int = 5) async throws -> SyncPassInfo {
        var last: SyncPassInfo?
        for _ in 0..<attempts {
            last = try await pass(full: full)
            if let last, last.outcome == "succeeded" { return last }
        }
        throw DrillSetupError("no pass succeeded in \(attempts) attempts; last: \(String(describing: last))")
    }

    func shutdown() async {
        await stopDaemon()
        try? await sandbox.stop()
    }
}

/// A merchant working in the store admin while the daemon runs: new orders into the import
/// status, orders leaving it (cancelled, shipped elsewhere, moved to Pending), orders coming
/// into it from Pending, line items edited. Seeded, so a run's sequence of edits is reproducible.
actor DrillMerchant {
    struct Counts: Sendable {
        var created = 0, cancelled = 0, shippedElsewhere = 0, movedToPending = 0, enteredImport = 0, edited = 0
        var total: Int { created + cancelled + shippedElsewhere + movedToPending + enteredImport + edited }
        var summary: String {
            "\(created) created, \(cancelled) cancelled, \(shippedElsewhere) shipped elsewhere, \(movedToPending) moved to Pending, \(enteredImport) moved into the import status, \(edited) line edits"
        }
    }

    private let state: SandboxState
    private let store: String
    private var random: SandboxRandom
    private(set) var counts = Counts()
    /// Orders the drill's worker claimed: the merchant leaves them alone (it is not testing the
    /// claim-flip rules, only that nothing is lost or doubled).
    private var protected: Set<Int> = []

    init(state: SandboxState, store: String, seed: UInt64) {
        self.state = state
        self.store = store
        random = SandboxRandom(seed: seed ^ 0x6D65_7263_6861_6E74)
    }

    func protect(_ ids: [Int]) { protected.formUnion(ids) }

    /// One merchant action, picked at random.
    func act() async throws {
        let orders = try await state.orders(store: store)
        let importing = orders.filter { $0.statusID == SandboxOrderStatus.awaitingFulfillment && !$0.isDeleted && !protected.contains($0.id) }
        let pending = orders.filter { $0.statusID == SandboxOrderStatus.pending && !$0.isDeleted }
        let roll = Int(random.next() % 100)
        func pick(_ from: [SandboxOrder]) -> SandboxOrder? { from.isEmpty ? nil : from[Int(random.next() % UInt64(from.count))] }
        switch roll {
        case 0..<35:
            let n = counts.created
            let lines = 1 + Int(random.next() % 3)
            try await state.createOrder(
                store: store, lines: (0..<lines).map { (sku: "LIVE-\(n)-\($0)", quantity: 1 + Int(random.next() % 3)) }, seed: random.next())
            counts.created += 1
        case 35..<50:
            guard let order = pick(importing) else { return }
            _ = try await state.cancelOrder(store: store, id: order.id)
            counts.cancelled += 1
        case 50..<60:
            guard let order = pick(importing) else { return }
            _ = try await state.setStatus(store: store, id: order.id, statusID: SandboxOrderStatus.shipped)
            counts.shippedElsewhere += 1
        case 60..<70:
            guard let order = pick(importing) else { return }
            _ = try await state.setStatus(store: store, id: order.id, statusID: SandboxOrderStatus.pending)
            counts.movedToPending += 1
        case 70..<85:
            guard let order = pick(pending) else { return }
            _ = try await state.setStatus(store: store, id: order.id, statusID: SandboxOrderStatus.awaitingFulfillment)
            counts.enteredImport += 1
        default:
            guard let order = pick(importing), !order.lines.isEmpty else { return }
            let line = Int(random.next() % UInt64(order.lines.count))
            _ = try await state.editOrder(store: store, id: order.id) { $0.lines[line].quantity += 1 }
            counts.edited += 1
        }
    }

    /// Acts every `interval` (± half) until cancelled.
    func run(every interval: Duration) async {
        while !Task.isCancelled {
            try? await act()
            let ms = interval.components.seconds * 1000 + interval.components.attoseconds / 1_000_000_000_000_000
            let jitter = Int64(random.next() % UInt64(max(1, ms)))
            try? await Task.sleep(for: .milliseconds(ms / 2 + jitter))
        }
    }
}

/// Compares the queue with the store after a final clean pass (the sync rules of DESIGN §5 and
/// `OrderMapping.departure`).
struct QueueAudit: CustomStringConvertible {
    /// Orders in the import status that the queue does not hold open (ready/held/claimed/shipped).
    var lost: [String] = []
    /// Store order ids the queue holds more than once.
    var duplicated: [String] = []
    /// Open orders whose lines (id, SKU, quantity) differ from the store's physical lines.
    var lineMismatches: [String] = []
    /// Orders that left the import status but are still `ready` in the queue (cancelled or
    /// shipped elsewhere must be `cancelled`; moved to another open status must be `held`).
    var departuresNotApplied: [String] = []
    /// Orders the queue had already cancelled (or shipped) that the store put back into the
    /// import status: by the sync rules never re-queued on their own (they could ship twice);
    /// the daemon records `back_in_import_status` in the order's history and an operator
    /// decides. Counted here only when that event is there — else the order counts as lost.
    var backInImportStatus: [String] = []
    var queued = 0, open = 0, importStatusOrders = 0

    var description: String {
        func ids(_ list: [String]) -> String { list.isEmpty ? "" : " (e.g. \(list.prefix(5).joined(separator: ", ")))" }
        return """
              import-status orders in the store: \(importStatusOrders); queue rows: \(queued), open: \(open)
              lost: \(lost.count)\(ids(lost)); duplicated: \(duplicated.count)\(ids(duplicated)); \
            line-item mismatches: \(lineMismatches.count)\(ids(lineMismatches)); departures not applied: \(departuresNotApplied.count)\(ids(departuresNotApplied))
              back in the import status after being cancelled here (not re-queued by design; the operator decides): \(backInImportStatus.count)\(ids(backInImportStatus))
            """
    }

    static func run(database: SQLiteStorage, storeId: Int64, sandbox: SandboxState, store: String) async throws -> QueueAudit {
        let rows = try await database.orders(store: storeId, limit: 10_000_000)
        let storeOrders = try await sandbox.orders(store: store)
        var audit = QueueAudit()
        audit.queued = rows.count
        var byExternal: [String: FulfillmentOrderRecord] = [:]
        for row in rows where byExternal.updateValue(row, forKey: row.externalOrderId) != nil {
            audit.duplicated.append(row.externalOrderId)
        }
        audit.open = rows.filter { $0.state == .ready || $0.state == .held || $0.state == .claimed }.count
        for order in storeOrders where !order.isDeleted {
            let id = String(order.id)
            let row = byExternal[id]
            if order.statusID == SandboxOrderStatus.awaitingFulfillment {
                audit.importStatusOrders += 1
                guard let row else { audit.lost.append(id); continue }
                if row.state == .cancelled {
                    let events = try await database.events(forOrder: row.id)
                    if events.contains(where: { $0.kind.rawValue == "back_in_import_status" }) {
                        audit.backInImportStatus.append(id)
                    } else {
                        audit.lost.append(id)
                    }
                    continue
                }
                // A shipped order's lines are what was shipped; the store may not have caught up.
                guard row.state == .ready || row.state == .held else { continue }
                let physical = order.lines.filter { $0.type == .physical }
                let lines = row.payload.lines.filter(\.isPhysical)
                if lines.map(\.lineID) != physical.map({ String($0.id) }) || lines.map(\.quantity) != physical.map(\.quantity)
                    || lines.map(\.sku) != physical.map({ $0.sku.isEmpty ? nil : $0.sku }) {
                    audit.lineMismatches.append(id)
                }
            } else if let row, row.state == .ready {
                audit.departuresNotApplied.append(id)
            }
        }
        return audit
    }
}
