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

/// `queue`: claim + ship throughput through the control socket (DESIGN §9, issue 6), and how fast
/// the shipment pusher then delivers the shipments to the store.
struct QueueThroughput: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "Claim + ship throughput over the control socket, and shipment delivery to the sandbox.",
        discussion: """
            Starts an in-process BigCommerce sandbox on 127.0.0.1 with --orders orders of --lines lines, \
            and a per-store quota of --store-quota requests per 30 s window (default 1,000,000: so the \
            delivery figure is DropStream's, not the quota's; with BigCommerce's standard 150 / 30 s the \
            pusher is paced to 5 deliveries/s per store), and seeds a fresh state directory BEFORE the daemon starts: one store (paused, so the \
            sync engine leaves the queue alone; shipments of a paused store are still delivered), its \
            TokenVault-sealed sandbox token, and every order imported as `ready`.

            Then starts the real `dropstreamd`, which must sit next to this executable (the same \
            bin directory, e.g. .build/debug/dropstreamd: build it with \
            `swift build --product dropstreamd`), with a private control socket, state directory, \
            key file and a free loopback callback port (DROPSTREAM_CALLBACK_LISTEN).

            --workers concurrent workers then each loop over the control socket (HTTP over the Unix \
            socket, as dropstreamctl does): POST /v1/queue/claim with --batch orders, then \
            POST /v1/orders/{id}/ship for each claimed order, until a claim comes back empty.

            Reports claim+ship orders/s (wall time from the first claim to the last ship), p50/p99 \
            latency of one claim call and of one ship call, and the time from the first claim until \
            the sandbox holds one shipment per order (deliveries/s over that time). Prints a human \
            summary and then one JSON line.
            """)

    @Option(help: "Orders to seed into the queue.") var orders: Int = 10_000
    @Option(help: "Lines per order (quantity 1 each).") var lines: Int = 2
    @Option(help: "Concurrent workers claiming and shipping.") var workers: Int = 4
    @Option(help: "Orders per claim call (1–500).") var batch: Int = 50
    @Option(help: "The sandbox store's API quota per 30 s window (BigCommerce standard: 150).") var storeQuota: Int = 1_000_000
    @Option(help: "The daemon's shipments.push_interval.") var pushInterval: String = "100ms"
    @Option(help: "The daemon's log.level (its log goes to a file in the scratch directory).") var logLevel: String = "warning"
    @Option(help: "Give up waiting for deliveries after this many seconds.") var deliveryTimeout: Int = 1800
    @Option(help: "The store's claim status (the claim flip, e.g. 9); none by default, so the flip is off.") var claimStatus: Int?
    @Flag(help: "Keep the scratch directory (database, config, daemon log) and print its path.") var keep = false

    func validate() throws {
        guard orders > 0 else { throw ValidationError("--orders must be positive.") }
        guard lines > 0 else { throw ValidationError("--lines must be positive.") }
        guard workers > 0 else { throw ValidationError("--workers must be positive.") }
        guard (1...500).contains(batch) else { throw ValidationError("--batch must be 1–500.") }
    }

    static let storeName = "bench"
    static let storeHash = "benchq1"

    func measure() async throws {
        let daemonBinary = BuiltProducts.executable("dropstreamd")
        guard FileManager.default.isExecutableFile(atPath: daemonBinary.path) else {
            throw ValidationError("No dropstreamd next to this executable (\(daemonBinary.path)): build it with the same configuration, e.g. `swift build --product dropstreamd`.")
        }
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        let stateDirectory = scratch + "/state"
        let keyFile = scratch + "/token.key"
        let socketPath = scratch + "/control.sock"
        let logPath = scratch + "/dropstreamd.log"
        print("dropstreamd: \(daemonBinary.path)")

        let sandbox = try await RunningSandbox.start(configuration: SandboxConfiguration(rateLimitEnabled: false))
        var daemon: SpawnedProcess?
        func cleanUp() async {
            if let daemon { await daemon.stop() }
            try? await sandbox.stop()
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        do {
            // 1. Seed the sandbox and the state directory.
            let seedStart = ContinuousClock.now
            try await seed(sandbox: sandbox, stateDirectory: stateDirectory, keyFile: keyFile)
            print("seeded \(orders) orders (\(lines) lines each) in sandbox and database in \(QueueBenchSupport.format(ContinuousClock.now - seedStart))")

            // 2. Start the daemon and wait for its socket.
            let callbackPort = try FreePort.next()
            let configPath = scratch + "/dropstreamd.yaml"
            let yaml = """
                log:
                  level: "\(logLevel)"
                tokens:
                  key_file: "\(keyFile)"
                bigcommerce:
                  api_base_url: "\(sandbox.baseURL)"
                  login_base_url: "\(sandbox.baseURL)"
                shipments:
                  push_interval: "\(pushInterval)"
                  retry_delay: "200ms"
                  max_retry_delay: "2s"

                """
            try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)
            let bootStart = ContinuousClock.now
            daemon = try BenchDaemon.spawn(
                daemonBinary, config: configPath, stateDirectory: stateDirectory, socket: socketPath, log: logPath,
                callbackPort: callbackPort)
            let client = ControlClient(socketPath: socketPath, timeout: .seconds(120))
            let bootDeadline = ContinuousClock.now + .seconds(60)
            while true {
                if (try? await client.status()) != nil { break }
                guard daemon?.isRunning == true, ContinuousClock.now < bootDeadline else {
                    let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                    throw ValidationError("dropstreamd did not answer on \(socketPath):\n\(log.suffix(3000))")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            print("dropstreamd answering on its socket after \(QueueBenchSupport.format(ContinuousClock.now - bootStart))")

            // 3. Claim and ship with K workers until the queue is empty.
            let start = ContinuousClock.now
            let batch = self.batch
            let results = try await withThrowingTaskGroup(of: QueueWorkerResult.self) { group in
                for w in 0..<workers {
                    group.addTask {
                        try await Self.work(client: client, worker: "bench-\(w)", batch: batch)
                    }
                }
                var all: [QueueWorkerResult] = []
                for try await r in group { all.append(r) }
                return all
            }
            let shipEnd = ContinuousClock.now
            let shipped = results.reduce(0) { $0 + $1.shipped }
            let claimLatencies = results.flatMap(\.claimLatencies).sorted()
            let shipLatencies = results.flatMap(\.shipLatencies).sorted()
            guard shipped == orders else {
                throw ValidationError("shipped \(shipped) orders, expected \(orders)")
            }
            let shipSeconds = QueueBenchSupport.seconds(shipEnd - start)

            // 4. Wait until the sandbox holds one shipment per order.
            let deliveryDeadline = ContinuousClock.now + .seconds(deliveryTimeout)
            var delivered = 0
            while true {
                delivered = try await sandbox.state.shipments(store: Self.storeHash).count
                if delivered >= orders { break }
                guard ContinuousClock.now < deliveryDeadline else {
                    throw ValidationError("only \(delivered) of \(orders) shipments delivered after \(deliveryTimeout) s")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            let deliveredEnd = ContinuousClock.now
            let deliverySeconds = QueueBenchSupport.seconds(deliveredEnd - start)
            let afterShipSeconds = QueueBenchSupport.seconds(deliveredEnd - shipEnd)
            let shippedInSandbox = try await sandbox.state.orders(store: Self.storeHash)
                .filter { $0.statusID == SandboxOrderStatus.shipped }.count

            let claimP50 = QueueBenchSupport.percentileMs(claimLatencies, 0.50)
            let claimP99 = QueueBenchSupport.percentileMs(claimLatencies, 0.99)
            let shipP50 = QueueBenchSupport.percentileMs(shipLatencies, 0.50)
            let shipP99 = QueueBenchSupport.percentileMs(shipLatencies, 0.99)
            let rate = Double(orders) / shipSeconds
            let deliveryRate = Double(orders) / deliverySeconds
            #if DEBUG
            let build = "debug"
            #else
            let build = "release"
            #endif
            print(String(format: "claim+ship: %d orders in %.3f s -> %.0f orders/s (%d workers, batch %d, %d claim calls, %d ship calls)",
                         shipped, shipSeconds, rate, workers, batch, claimLatencies.count, shipLatencies.count))
            print(String(format: "claim call latency: p50 %.2f ms, p99 %.2f ms; ship call latency: p50 %.2f ms, p99 %.2f ms",
                         claimP50, claimP99, shipP50, shipP99))
            print(String(format: "delivery: %d shipments in the sandbox %.3f s after the first claim (%.3f s after the last ship) -> %.0f deliveries/s; %d sandbox orders Shipped",
                         delivered, deliverySeconds, afterShipSeconds, deliveryRate, shippedInSandbox))
            print("store quota: \(storeQuota) requests / 30 s; build: \(build); cores: \(ProcessInfo.processInfo.activeProcessorCount)")
            let json: [String: Any] = [
                "scenario": "queue", "build": build, "cores": ProcessInfo.processInfo.activeProcessorCount,
                "orders": orders, "lines": lines, "workers": workers, "batch": batch, "push_interval": pushInterval, "store_quota_per_30s": storeQuota,
                "claim_status": claimStatus.map { $0 as Any } ?? NSNull(),
                "claim_ship_seconds": QueueBenchSupport.round3(shipSeconds), "claim_ship_orders_per_s": QueueBenchSupport.round3(rate),
                "claim_calls": claimLatencies.count, "ship_calls": shipLatencies.count,
                "claim_p50_ms": QueueBenchSupport.round3(claimP50), "claim_p99_ms": QueueBenchSupport.round3(claimP99),
                "ship_p50_ms": QueueBenchSupport.round3(shipP50), "ship_p99_ms": QueueBenchSupport.round3(shipP99),
                "delivered": delivered, "delivery_seconds": QueueBenchSupport.round3(deliverySeconds),
                "delivery_after_last_ship_seconds": QueueBenchSupport.round3(afterShipSeconds),
                "deliveries_per_s": QueueBenchSupport.round3(deliveryRate), "sandbox_orders_shipped": shippedInSandbox,
            ]
            let line = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
            print(String(decoding: line, as: UTF8.self))
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    /// Sandbox store + orders; database store (paused), sealed token, imported orders.
    private func seed(sandbox: RunningSandbox, stateDirectory: String, keyFile: String) async throws {
        _ = try await sandbox.state.createStore(hash: Self.storeHash, quota: storeQuota)
        let token = try await sandbox.state.issueToken(store: Self.storeHash)
        let state = try SeededStateDirectory(path: stateDirectory, keyFile: keyFile)
        let database = state.database
        let store = try await state.connectStore(name: Self.storeName, hash: Self.storeHash, token: token)
        _ = try await database.setStoreState(store.id, to: .paused)
        if let claimStatus { _ = try await database.setClaimStatus(store.id, statusID: claimStatus) }
        let lineCount = lines
        for n in 0..<orders {
            let order = try await sandbox.state.createOrder(
                store: Self.storeHash, lines: (0..<lineCount).map { (sku: "SKU-\(n)-\($0)", quantity: 1) })
            try await database.upsertImportedOrder(storeId: store.id, order.importedOrder(dateModified: Date()))
        }
    }

    /// One worker: claim a batch, ship each order, until a claim comes back empty.
    static func work(client: ControlClient, worker: String, batch: Int) async throws -> QueueWorkerResult {
        var result = QueueWorkerResult()
        let clock = ContinuousClock()
        while true {
            let t0 = clock.now
            let claim = try await client.send(
                .POST, ControlAPI.Path.queueClaim, body: ClaimRequest(worker: worker, limit: batch, leaseSeconds: 1800),
                as: ClaimResponse.self)
            result.claimLatencies.append(clock.now - t0)
            if claim.orders.isEmpty { return result }
            for order in claim.orders {
                let t1 = clock.now
                let response = try await client.send(
                    .POST, ControlAPI.Path.shipOrder(order.id),
                    body: ShipRequest(tracking: "BENCH\(order.id)", carrier: "ups", worker: worker), as: ShipResponse.self)
                result.shipLatencies.append(clock.now - t1)
                guard response.created else { throw ValidationError("order \(order.id): ship confirmation was not new") }
                result.shipped += 1
            }
        }
    }
}

struct QueueWorkerResult: Sendable {
    var shipped = 0
    var claimLatencies: [Duration] = []
    var shipLatencies: [Duration] = []
}

/// Process, socket and number helpers for the `queue` scenario.
enum QueueBenchSupport {
    /// A private directory with a short path (Unix socket paths must stay under 108 bytes).
    static func makeScratchDirectory() throws -> String {
        var template = Array("/tmp/dsqb-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ValidationError("mkdtemp failed") }
        return String(cString: made)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func format(_ d: Duration) -> String { String(format: "%.2f s", seconds(d)) }

    /// Nearest-rank percentile of sorted durations, in milliseconds.
    static func percentileMs(_ sorted: [Duration], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))
        return seconds(sorted[rank]) * 1000
    }

    static func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
