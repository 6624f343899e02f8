import ArgumentParser
import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import Foundation

/// `drill faults`: minutes of every fault the sandbox can inject, at ~10 % of requests, while
/// the merchant changes orders and a warehouse worker claims and ships over the control socket.
struct DrillFaults: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "faults",
        abstract: "Minutes of injected API faults while orders change and a worker ships; nothing lost, nothing shipped twice.",
        discussion: """
            Seeds the sandbox store with --orders orders (realistic status mix) under BigCommerce's \
            quota (--quota requests per 30 s, enforced: real 429s count as quota violations), connects \
            it in a fresh state directory and starts dropstreamd with its own NOTIFY_SOCKET (a \
            datagram socket of this drill, kernel-timestamped) and WATCHDOG_USEC=--watchdog-ms.

            For --duration (default 10m) the sandbox injects, each at random (seeded) on about --rate \
            of the requests in all: 429 with and without rate-limit headers, 500 and 503, 800 ms of \
            latency, connection resets, truncated and malformed JSON bodies, and on listing pages the \
            store changing between pages (orders touched, moved out of the import status, created). \
            Meanwhile a merchant edits orders through the sandbox's admin API and a worker claims \
            --claim orders every second over the control socket and ships each (as `dropstreamctl \
            queue claim` and `orders ship` do).

            Then the faults stop, the worker stops, one incremental pass runs on demand, and the drill \
            waits (up to --delivery-timeout) for every confirmed shipment to reach the store. Figures \
            (all must be 0): lost, duplicated, line-item mismatches and departures not applied (as \
            `drill kill`), duplicate shipments (an order with more than one shipment in the store, a \
            line shipped beyond its quantity, or a shipment nobody confirmed), shipments not \
            delivered, quota violations (real 429s the daemon caused), watchdog gaps over \
            WATCHDOG_USEC (systemd would have killed the daemon) and daemon exits. The longest gap \
            between pings is printed against the expected interval (WATCHDOG_USEC / 2).
            """)

    @Option(help: "How long faults are injected (e.g. 45s, 10m).") var duration: String = "10m"
    @Option(help: "Orders seeded in the sandbox store.") var orders: Int = 2_000
    @Option(help: "Random seed (faults and merchant edits); default: the current time. Printed, so a run can be repeated.") var seed: UInt64?
    /// The seed of this run: `--seed`, or the time the command line was read (set in `validate()`).
    private var rngSeed: UInt64 { seed ?? 0 }
    @Option(help: "Share of requests that meet a fault (0–1).") var rate: Double = 0.10
    @Option(help: "The store's quota: requests per 30 s window (BigCommerce Standard: 150).") var quota: Int = 150
    @Option(help: "Orders the worker claims (and ships) per second.") var claim: Int = 1
    @Option(help: "WATCHDOG_USEC given to dropstreamd, in milliseconds (pings expected every half).") var watchdogMs: Int = 4_000
    @Option(help: "Mean interval between merchant edits, in milliseconds.") var editIntervalMs: Int = 500
    @Option(help: "Give up waiting for shipment deliveries after this many seconds.") var deliveryTimeout: Int = 300
    @Flag(help: "Keep the scratch directory (database, config, daemon log) and print its path.") var keep = false

    mutating func validate() throws {
        if seed == nil { seed = UInt64(Date().timeIntervalSince1970) }
        _ = try parseDrillDuration(duration)
        guard orders > 0 else { throw ValidationError("--orders must be positive.") }
        guard (0...1).contains(rate) else { throw ValidationError("--rate must be between 0 and 1.") }
        guard quota >= 20 else { throw ValidationError("--quota must be at least 20.") }
        guard watchdogMs >= 500 else { throw ValidationError("--watchdog-ms must be at least 500.") }
    }

    func measure() async throws {
        let length = try parseDrillDuration(duration)
        print("drill faults: --duration \(duration) --orders \(orders) --seed \(rngSeed) --rate \(rate) --quota \(quota)")
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        let world = try await DrillWorld(
            scratch: scratch, sandboxConfiguration: SandboxConfiguration(rateLimitEnabled: true),
            config: [
                "sync.poll_interval": "2s", "sync.overlap": "2m",
                "shipments.push_interval": "200ms", "shipments.retry_delay": "200ms", "shipments.max_retry_delay": "3s",
                "queue.rescue_interval": "1s",
            ])
        let notify = try NotifySocket(path: scratch + "/notify.sock")
        world.extraEnvironment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": String(watchdogMs * 1000)]
        var tasks: [Task<Void, Never>] = [notify.drainContinuously()]
        func cleanUp() async {
            for task in tasks { task.cancel() }
            await world.shutdown()
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        do {
            try await drill(world, notify: notify, length: length, tasks: &tasks)
        } catch {
            let tail = world.logTail()
            fflush(nil)  // what the drill printed so far comes before the error
            await cleanUp()
            if error is ExitCode { throw error }
            throw DrillSetupError("\(error)\n--- daemon log tail:\n\(tail)")
        }
        await cleanUp()
    }

    /// The fault mix: every kind the sandbox offers, sharing `rate` between them.
    private func faultMix(store: String) -> [(String, SandboxFault)] {
        let kinds: [(String, SandboxFault.Kind)] = [
            ("429 with headers", .rateLimited(withHeaders: true)), ("429 without headers", .rateLimited(withHeaders: false)),
            ("500", .serverError(status: 500)), ("503", .serverError(status: 503)), ("latency 800 ms", .latency(.milliseconds(800))),
            ("connection reset", .connectionReset), ("truncated JSON", .truncatedJSON), ("malformed JSON", .malformedJSON),
        ]
        let mutations: [(String, SandboxListingMutation)] = [
            ("page shift: orders touched", .touchServedOrders(count: 2)),
            ("page shift: orders leave the import status", .changeStatusOfServedOrders(count: 1, to: SandboxOrderStatus.pending)),
            ("page shift: orders created", .createOrders(count: 2)),
        ]
        var mix: [(String, SandboxFault)] = []
        let each = rate / Double(kinds.count + 1)
        for (n, (name, kind)) in kinds.enumerated() {
            mix.append((name, SandboxFault(kind, trigger: .probability(each, seed: rngSeed &+ UInt64(n)), store: store)))
        }
        // Mutations only apply to listing pages: they share the last slice, aimed at listings.
        for (n, (name, mutation)) in mutations.enumerated() {
            mix.append((name, SandboxFault(
                .mutationBetweenPages(mutation), trigger: .probability(min(1, each * 3), seed: rngSeed &+ 100 &+ UInt64(n)),
                store: store, endpoint: .listOrders)))
        }
        return mix
    }

    private func drill(_ world: DrillWorld, notify: NotifySocket, length: Duration, tasks: inout [Task<Void, Never>]) async throws {
        let start = ContinuousClock.now
        let hash = DrillWorld.storeHash
        try await world.seed(orders: orders, seed: rngSeed, quota: quota)
        // The seeded Shipped / Partially Shipped orders come with shipments of their own.
        let seededShipments = Set(try await world.sandbox.state.shipments(store: hash).map(\.id))
        try await world.startDaemonAndWait()
        let database = try SQLiteStorage.open(path: world.databasePath)
        tasks.append(notify.drainContinuously())

        var faultIDs: [(String, SandboxFaultID)] = []
        for (name, fault) in faultMix(store: hash) { faultIDs.append((name, await world.sandbox.state.injectFault(fault))) }
        let merchant = DrillMerchant(state: world.sandbox.state, store: hash, seed: rngSeed)
        let editInterval = Duration.milliseconds(Int64(editIntervalMs))
        let merchantTask = Task { await merchant.run(every: editInterval) }
        tasks.append(merchantTask)
        let worker = DrillWorker(client: world.client, merchant: merchant, perSecond: claim)
        let workerTask = Task { await worker.run() }
        tasks.append(workerTask)

        let faultsStart = ContinuousClock.now
        var nextReport = faultsStart + .seconds(30)
        var daemonExits = 0
        while ContinuousClock.now - faultsStart < length {
            try await Task.sleep(for: .milliseconds(200))
            if world.daemon?.isRunning != true {
                daemonExits += 1
                print("  dropstreamd exited (status \(world.daemon?.terminationStatus ?? -1)); restarting it as systemd would")
                try await world.startDaemonAndWait()
            }
            if ContinuousClock.now >= nextReport {
                nextReport = nextReport + .seconds(30)
                let shipped = await worker.shipped.count
                let open = try await database.openExternalOrderIds(storeId: world.storeId).count
                print(String(format: "  %.0f s: %d orders open, %d shipped by the worker, %d watchdog pings",
                             QueueBenchSupport.seconds(ContinuousClock.now - faultsStart), open, shipped, notify.pingTimes.count))
            }
        }
        let faultsEnd = NotifySocket.now()
        notify.drain()
        let maxGapUnderFaults = notify.maxPingGap(until: faultsEnd)
        var fired: [(String, Int)] = []
        for (name, id) in faultIDs { fired.append((name, await world.sandbox.state.timesFired(id) ?? 0)) }
        await world.sandbox.state.removeAllFaults()
        merchantTask.cancel()
        _ = await merchantTask.value
        workerTask.cancel()
        _ = await workerTask.value
        let edits = await merchant.counts
        let confirmed = await worker.shipped
        let refused = await worker.refused

        // Settle: one clean pass, then every confirmed shipment delivered.
        let pass = try await world.cleanPass()
        let audit = try await QueueAudit.run(database: database, storeId: world.storeId, sandbox: world.sandbox.state, store: hash)
        let deliveryDeadline = ContinuousClock.now + .seconds(deliveryTimeout)
        var undelivered: [Int64] = []
        while true {
            let shipments = try await database.shipments(forOrders: Array(confirmed.keys))
            undelivered = confirmed.keys.filter { id in !(shipments[id] ?? []).contains { $0.state == .delivered } }.sorted()
            if undelivered.isEmpty || ContinuousClock.now >= deliveryDeadline { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        notify.drain()
        let maxGapOverall = notify.maxPingGap(until: NotifySocket.now())
        let pings = notify.pingTimes
        let timeout = Duration.milliseconds(Int64(watchdogMs))
        let gapsOverTimeout = zip(pings, pings.dropFirst()).filter { $1 - $0 > timeout }.count
            + ((pings.last.map { NotifySocket.now() - $0 > timeout } ?? true) ? 1 : 0)

        // The store's side of the shipments.
        let confirmedStoreIDs = Set(confirmed.values)
        var duplicateShipments: [String] = []
        let storeShipments = try await world.sandbox.state.shipments(store: hash).filter { !seededShipments.contains($0.id) }
        let byOrder = Dictionary(grouping: storeShipments, by: \.orderID)
        for (orderID, shipments) in byOrder {
            let order = try await world.sandbox.state.order(store: hash, id: orderID)
            if shipments.count > 1 { duplicateShipments.append("\(orderID): \(shipments.count) shipments") }
            if !confirmedStoreIDs.contains(String(orderID)) { duplicateShipments.append("\(orderID): shipment nobody confirmed") }
            for line in order?.lines ?? [] {
                let shippedQuantity = shipments.flatMap(\.items).filter { $0.orderProductID == line.id }.reduce(0) { $0 + $1.quantity }
                if shippedQuantity > line.quantity { duplicateShipments.append("\(orderID): line \(line.id) shipped \(shippedQuantity) of \(line.quantity)") }
            }
        }
        let violations = try await world.sandbox.state.quotaViolations(store: hash)
        if world.daemon?.isRunning != true { daemonExits += 1 }
        let wall = ContinuousClock.now - start
        let expectedInterval = Duration.milliseconds(Int64(watchdogMs / 2))

        print("  faults fired: " + fired.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
              + " (\(fired.reduce(0) { $0 + $1.1 }) in all, over \(QueueBenchSupport.format(length)))")
        print("  merchant edits: \(edits.summary)")
        print("  worker: \(confirmed.count) orders shipped over the control socket, \(refused) ship calls refused (order cancelled or changed under the claim)")
        print("  final pass (\(pass.kind)): seen \(pass.ordersSeen), new \(pass.ordersNew), updated \(pass.ordersUpdated), cancelled \(pass.ordersCancelled); \(storeShipments.count) shipments in the store")
        print(audit.description)
        print(String(format: "  watchdog: %d pings; longest gap %.2f s under faults, %.2f s overall; expected every %.2f s, systemd kills after %.2f s",
                     pings.count, QueueBenchSupport.seconds(maxGapUnderFaults), QueueBenchSupport.seconds(maxGapOverall),
                     QueueBenchSupport.seconds(expectedInterval), QueueBenchSupport.seconds(timeout)))
        if !duplicateShipments.isEmpty { print("  duplicate shipments: \(duplicateShipments.prefix(5).joined(separator: "; "))") }
        if !undelivered.isEmpty { print("  not delivered after \(deliveryTimeout) s: orders \(undelivered.prefix(10))") }
        print(String(format: "  wall time %.1f s", QueueBenchSupport.seconds(wall)))
        try DrillFigures(
            name: "faults",
            mustBeZero: [
                ("lost", audit.lost.count), ("duplicated", audit.duplicated.count), ("line_item_mismatches", audit.lineMismatches.count),
                ("departures_not_applied", audit.departuresNotApplied.count), ("duplicate_shipments", duplicateShipments.count),
                ("shipments_not_delivered", undelivered.count), ("quota_violations", violations),
                ("watchdog_gaps_over_timeout", gapsOverTimeout), ("daemon_exits", daemonExits),
            ],
            info: [
                ("seed", rngSeed), ("orders", orders), ("duration_seconds", QueueBenchSupport.seconds(length)), ("fault_rate", rate),
                ("faults_fired", Dictionary(uniqueKeysWithValues: fired.map { ($0.0, $0.1) })), ("merchant_edits", edits.total),
                ("shipped_by_worker", confirmed.count), ("ship_calls_refused", refused), ("store_shipments", storeShipments.count),
                ("import_status_orders", audit.importStatusOrders), ("queued", audit.queued), ("final_pass_new", pass.ordersNew),
                ("back_in_import_status", audit.backInImportStatus.count),
                ("watchdog_pings", pings.count), ("watchdog_expected_interval_seconds", QueueBenchSupport.seconds(expectedInterval)),
                ("watchdog_max_gap_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(maxGapOverall))),
                ("watchdog_max_gap_under_faults_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(maxGapUnderFaults))),
                ("quota_per_30s", quota), ("wall_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(wall))),
            ]
        ).report()
    }
}

/// A warehouse worker on the control socket: claims a few orders every second and ships each,
/// as `dropstreamctl queue claim` and `orders ship` would.
actor DrillWorker {
    private let client: ControlClient
    private let merchant: DrillMerchant
    private let perSecond: Int
    /// Confirmed shipments: queue order id → store order id.
    private(set) var shipped: [Int64: String] = [:]
    /// Ship calls the daemon refused (the store cancelled the order after the claim...).
    private(set) var refused = 0

    init(client: ControlClient, merchant: DrillMerchant, perSecond: Int) {
        self.client = client
        self.merchant = merchant
        self.perSecond = perSecond
    }

    func run() async {
        while !Task.isCancelled {
            let tick = ContinuousClock.now
            if perSecond > 0, let claim = try? await client.send(
                .POST, ControlAPI.Path.queueClaim, body: ClaimRequest(worker: "drill", limit: perSecond, leaseSeconds: 3600),
                as: ClaimResponse.self) {
                await merchant.protect(claim.orders.compactMap { Int($0.storeOrderId) })
                for order in claim.orders {
                    do {
                        let response = try await client.send(
                            .POST, ControlAPI.Path.shipOrder(order.id),
                            body: ShipRequest(tracking: "DRILL\(order.id)", carrier: "ups", worker: "drill"), as: ShipResponse.self)
                        shipped[order.id] = response.order.storeOrderId
                    } catch {
                        refused += 1
                    }
                }
            }
            try? await Task.sleep(until: tick + .seconds(1))
        }
    }
}
