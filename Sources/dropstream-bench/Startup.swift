import ArgumentParser
import DropStreamCore
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import DropStreamTestWorld
import Foundation

/// `startup`: time from exec to `READY=1` with a large order history stored, against an empty
/// database (DESIGN §9 "time to READY=1").
struct Startup: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "startup",
        abstract: "Time from exec of dropstreamd to READY=1, with --orders orders stored and with none.",
        discussion: """
            Prepares two state directories in a scratch directory: one with a single store \
            (paused, so nothing syncs) holding --orders orders written directly through \
            SQLiteStorage.seedOrderHistory (--ready of them `ready`, the rest `shipped`, each with \
            its history rows), and one with the same store and no orders. Seeding time is printed \
            but is not part of the figure.

            Then, --runs times per directory (alternating), spawns the real `dropstreamd` (it must \
            sit next to this executable: `swift build -c release --product dropstreamd`) with \
            NOTIFY_SOCKET set to this program's own AF_UNIX datagram socket, and measures from \
            just before exec (CLOCK_REALTIME) to the kernel's receive timestamp (SO_TIMESTAMPNS) \
            of the datagram carrying READY=1; then stops it with SIGTERM and waits for its exit. \
            Runs after the first find the database in the page cache, as a restart does.

            Reports the median, min and max per directory. Prints a human summary, then one JSON line.
            """)

    @Option(help: "Orders stored before the timed starts.") var orders: Int = 1_000_000
    @Option(help: "How many of them are `ready` (the rest are `shipped`).") var ready: Int = 10_000
    @Option(help: "Timed starts per database.") var runs: Int = 5
    @Option(help: "Give up on one start after this many seconds.") var timeout: Double = 300
    @Flag(help: "Keep the scratch directory (databases, config, daemon log) and print its path.") var keep = false

    func validate() throws {
        guard orders >= 0 else { throw ValidationError("--orders must not be negative.") }
        guard (0...orders).contains(ready) else { throw ValidationError("--ready must be 0...--orders.") }
        guard runs > 0 else { throw ValidationError("--runs must be positive.") }
    }

    func measure() async throws {
        let binary = try BenchDaemon.binary()
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        defer {
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        print("dropstreamd: \(binary.path)")
        let keyFile = scratch + "/token.key"

        // 1. The two state directories.
        let seeded = scratch + "/seeded", empty = scratch + "/empty"
        var seedSeconds = 0.0
        for directory in [seeded, empty] {
            let state = try SeededStateDirectory(path: directory, keyFile: keyFile)
            let database = state.database
            let store = try await state.connectStore(name: "history", hash: "hist01", token: "bench-token-not-used")
            _ = try await database.setStoreState(store.id, to: .paused)
            if directory == seeded {
                let start = ContinuousClock.now
                try await database.seedOrderHistory(storeId: store.id, count: orders, shipped: orders - ready, payload: Self.payload)
                seedSeconds = QueueBenchSupport.seconds(ContinuousClock.now - start)
            }
        }
        let databaseBytes = (try? FileManager.default.attributesOfItem(atPath: seeded + "/dropstream.sqlite")[.size] as? Int) ?? 0
        print(String(format: "seeded %d orders (%d ready, %d shipped) in %.1f s (%.0f orders/s; not part of the figure); database %.0f MB",
                     orders, ready, orders - ready, seedSeconds, Double(orders) / max(seedSeconds, 1e-9), Double(databaseBytes) / 1e6))

        let config = scratch + "/dropstreamd.yaml"
        try """
            log:
              level: "notice"
            tokens:
              key_file: "\(keyFile)"
            bigcommerce:
              api_base_url: "http://127.0.0.1:9"
              login_base_url: "http://127.0.0.1:9"

            """.write(toFile: config, atomically: true, encoding: .utf8)

        // 2. Alternate the two directories so load changes on the machine hit both alike.
        var times: [String: [Double]] = [seeded: [], empty: []]
        var statusLines: [String: String] = [:]
        for run in 1...runs {
            for directory in [seeded, empty] {
                let (seconds, status) = try await timeStart(binary, config: config, stateDirectory: directory, scratch: scratch)
                times[directory]!.append(seconds)
                statusLines[directory] = status
                print(String(format: "  run %d, %@: READY=1 after %.3f s", run, directory == seeded ? "\(orders) orders" : "empty", seconds))
            }
        }

        let seededMedian = median(times[seeded]!), emptyMedian = median(times[empty]!)
        print(String(format: "startup with %d orders stored: READY=1 after %.3f s (median of %d; min %.3f, max %.3f)",
                     orders, seededMedian, runs, times[seeded]!.min()!, times[seeded]!.max()!))
        print(String(format: "startup with an empty database: READY=1 after %.3f s (median of %d; min %.3f, max %.3f)",
                     emptyMedian, runs, times[empty]!.min()!, times[empty]!.max()!))
        print("  STATUS= with READY=1 (\(orders) orders): \(statusLines[seeded] ?? "-")")
        print("  " + BenchMachine.describe())
        let json: [String: Any] = [
            "scenario": "startup", "build": BenchMachine.build, "cores": BenchMachine.cores,
            "orders": orders, "ready": ready, "runs": runs, "seed_seconds": round3(seedSeconds), "database_bytes": databaseBytes,
            "ready_seconds_median": round3(seededMedian), "ready_seconds": times[seeded]!.map(round3),
            "empty_ready_seconds_median": round3(emptyMedian), "empty_ready_seconds": times[empty]!.map(round3),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    /// One start: exec → READY=1 (kernel timestamp), then SIGTERM and wait. Returns the seconds
    /// and the last STATUS= sent up to READY=1.
    private func timeStart(_ binary: URL, config: String, stateDirectory: String, scratch: String) async throws -> (Double, String) {
        let notify = try NotifySocket(path: scratch + "/notify.sock")
        let log = scratch + "/dropstreamd.log"
        let start = NotifySocket.now()
        let daemon = try BenchDaemon.spawn(
            binary, config: config, stateDirectory: stateDirectory, socket: scratch + "/control.sock", log: log,
            callbackPort: try FreePort.next(), extraEnvironment: ["NOTIFY_SOCKET": notify.path])
        defer { if daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) } }
        let deadline = ContinuousClock.now + .seconds(timeout)
        while true {
            notify.drain()
            let messages = notify.messages
            if let ready = messages.firstIndex(where: { $0.fields["READY"] == "1" }) {
                let status = messages[...ready].compactMap { $0.fields["STATUS"] }.last ?? ""
                await daemon.stop()
                let elapsed = messages[ready].arrivedAt - start
                return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, status)
            }
            guard daemon.isRunning, ContinuousClock.now < deadline else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw ValidationError("dropstreamd sent no READY=1 within \(timeout) s (running: \(daemon.isRunning)):\n\(text.suffix(3000))")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// One order's payload: two lines and an address, about the size of a real order.
    static let payload = OrderPayload(
        lines: [
            OrderLine(lineID: "1", sku: "SKU-RED-M", name: "T-shirt red M", quantity: 2, isPhysical: true),
            OrderLine(lineID: "2", sku: "SKU-MUG", name: "Mug", quantity: 1, isPhysical: true),
        ],
        shippingAddress: ShippingAddress(
            addressID: "1", firstName: "Ada", lastName: "Lovelace", street1: "12 Analytical Row", city: "London",
            state: "Greater London", zip: "N1 9GU", country: "United Kingdom", countryISO2: "GB"),
        shippingMethod: "Standard", customerMessage: nil)
}
