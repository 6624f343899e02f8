import ArgumentParser
import BigCommerceSandbox
import DropStreamControl
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import DropStreamTestWorld
import Foundation

/// `fleet`: the steady state of one daemon syncing many small stores (DESIGN §9: CPU and RSS
/// with 1,000 stores; latency from an order entering the import status to `ready`).
struct Fleet: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "fleet",
        abstract: "Steady-state CPU and RSS of dropstreamd syncing --stores stores; import latency; API requests per store.",
        discussion: """
            Starts an in-process sandbox on 127.0.0.1 with --stores stores under BigCommerce's \
            Standard quota (150 requests / 30 s, 429s counted), each with --orders-per-store orders \
            in Awaiting Fulfillment (11) and a few in Pending (1); seeds a state directory with \
            every store connected (TokenVault-sealed tokens); spawns the real `dropstreamd` (it must \
            sit next to this executable: `swift build -c release --product dropstreamd`) with \
            sync.poll_interval = --interval seconds and the other keys at their defaults.

            Warm-up: until every seeded order is `ready` (every store's first, full pass), then \
            --warmup more seconds. Measurement window: --duration seconds, during which dropstreamd's \
            utime+stime (/proc/PID/stat) and VmRSS (/proc/PID/status, sampled every second) are \
            read, the sandbox counts every API request, and --probes orders enter the import \
            status at known, evenly spaced times (alternately a new order created in status 11 and \
            a Pending order moved to 11, through the sandbox's admin operations). After the window \
            the bench waits for every probe to be `ready`, stops the daemon and reads each probe's \
            import time (`createdAt`, the daemon's clock — the same machine's clock) from the \
            database: latency = import time − the time the order entered the import status.

            The latency is dominated by the poll interval: an order waits for the next pass of its \
            store, on average half an interval (±10 % jitter). It is reported in seconds and as a \
            fraction of --interval. To scale down (a smaller machine, a quick check) use fewer \
            --stores and a shorter --interval/--duration: requests per store per minute and the \
            latency relative to the interval stay comparable; CPU grows with stores ÷ interval.

            Prints a human summary, then one JSON line.
            """)

    @Option(help: "Connected stores.") var stores: Int = 1_000
    @Option(help: "Orders per store in the import status before the start.") var ordersPerStore: Int = 3
    @Option(help: "sync.poll_interval, in seconds.") var interval: Int = 60
    @Option(help: "Seconds to wait after every store's first pass before measuring.") var warmup: Int = 60
    @Option(help: "Measurement window, in seconds.") var duration: Int = 300
    @Option(help: "Orders entering the import status during the window (evenly spaced).") var probes: Int = 300
    @Option(help: "Each store's API quota per 30 s window (BigCommerce Standard: 150).") var storeQuota: Int = 150
    @Option(help: "The daemon's log.level (its log goes to a file in the scratch directory).") var logLevel: String = "warning"
    @Flag(help: "Keep the scratch directory (database, config, daemon log) and print its path.") var keep = false

    func validate() throws {
        guard stores > 0, ordersPerStore >= 0, interval >= 1, warmup >= 0, duration > 0, probes >= 0, storeQuota > 0 else {
            throw ValidationError("--stores, --interval, --duration and --store-quota must be positive; the others not negative.")
        }
    }

    /// One order that entered the import status during the window.
    struct Probe {
        var storeIndex: Int
        var externalOrderId: String
        var enteredAt: Date
        var moved: Bool
    }

    func measure() async throws {
        let binary = try BenchDaemon.binary()
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        let stateDirectory = scratch + "/state", keyFile = scratch + "/token.key"
        let socketPath = scratch + "/control.sock", logPath = scratch + "/dropstreamd.log"
        print("dropstreamd: \(binary.path)")
        let sandbox = try await RunningSandbox.start(configuration: SandboxConfiguration(defaultQuota: storeQuota, rateLimitEnabled: true))
        var daemon: SpawnedProcess?
        func cleanUp() async {
            if let daemon { await daemon.stop() }
            try? await sandbox.stop()
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        do {
            try await run(sandbox: sandbox, binary: binary, scratch: scratch, stateDirectory: stateDirectory, keyFile: keyFile,
                          socketPath: socketPath, logPath: logPath, daemon: &daemon)
        } catch {
            await cleanUp()
            throw error
        }
        await cleanUp()
    }

    private func run(
        sandbox: RunningSandbox, binary: URL, scratch: String, stateDirectory: String, keyFile: String,
        socketPath: String, logPath: String, daemon: inout SpawnedProcess?
    ) async throws {
        // 1. The stores: in the sandbox (orders, token) and in the state directory (connected).
        let seedStart = ContinuousClock.now
        let pendingPerStore = max(1, (probes + stores - 1) / stores)
        var hashes: [String] = [], storeIds: [Int64] = [], pending: [[Int]] = []
        do {
            let state = try SeededStateDirectory(path: stateDirectory, keyFile: keyFile)
            for i in 0..<stores {
                let hash = String(format: "fleet%05d", i)
                _ = try await sandbox.state.createStore(hash: hash)
                if ordersPerStore > 0 {
                    try await sandbox.state.seedOrders(store: hash, count: ordersPerStore, seed: UInt64(i + 1), statusMix: .only(11))
                }
                let waiting = try await sandbox.state.seedOrders(store: hash, count: pendingPerStore, seed: UInt64(i + 1) << 20, statusMix: .only(1))
                let token = try await sandbox.state.issueToken(store: hash)
                let store = try await state.connectStore(name: "store-\(i)", hash: hash, token: token)
                hashes.append(hash)
                storeIds.append(store.id)
                pending.append(waiting.map { Array($0) } ?? [])
            }
        }
        print(String(format: "seeded %d stores (%d orders each in the import status, %d pending) in %.1f s",
                     stores, ordersPerStore, pendingPerStore, QueueBenchSupport.seconds(ContinuousClock.now - seedStart)))

        // 2. The daemon.
        let config = scratch + "/dropstreamd.yaml"
        try """
            log:
              level: "\(logLevel)"
            tokens:
              key_file: "\(keyFile)"
            bigcommerce:
              api_base_url: "\(sandbox.baseURL)"
              login_base_url: "\(sandbox.baseURL)"
            sync:
              poll_interval: "\(interval)s"

            """.write(toFile: config, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let process = try BenchDaemon.spawn(
            binary, config: config, stateDirectory: stateDirectory, socket: socketPath, log: logPath,
            callbackPort: try FreePort.next())
        daemon = process
        let pid = process.processIdentifier
        let client = ControlClient(socketPath: socketPath, timeout: .seconds(60))
        let seededReady = stores * ordersPerStore
        let firstPassSeconds = try await waitForReady(atLeast: seededReady, client: client, process: process, log: logPath,
                                                      within: .seconds(max(600, stores)), since: start)
        let firstPassCPU = ProcFigures.cpuSeconds(pid) ?? 0
        print(String(format: "every store's first pass done %.1f s after exec (%.1f s CPU); warming up %d s more", firstPassSeconds, firstPassCPU, warmup))
        try await Task.sleep(for: .seconds(warmup))

        // 3. The window: CPU, RSS samples, API requests, and the probes at known times.
        await sandbox.state.resetCounters()
        let violationsBefore = try await totalViolations(sandbox, hashes)
        guard let cpuBefore = ProcFigures.cpuSeconds(pid) else { throw ValidationError("cannot read /proc/\(pid)/stat") }
        let windowStart = ContinuousClock.now
        let windowEnd = windowStart + .seconds(duration)
        let order = Array(0..<stores).shuffled()
        var nextPending = Array(repeating: 0, count: stores)
        var probeList: [Probe] = []
        var rssSamples: [Int] = []
        var nextSample = windowStart
        let spacing = Duration.seconds(Double(duration) / Double(max(probes, 1)))
        var nextProbe = windowStart + spacing / 2
        while ContinuousClock.now < windowEnd {
            let now = ContinuousClock.now
            if now >= nextSample {
                if let rss = ProcFigures.kilobytes(pid, "VmRSS") { rssSamples.append(rss) }
                nextSample += .seconds(1)
            }
            if probeList.count < probes, now >= nextProbe {
                let k = probeList.count
                let index = order[k % stores]
                let hash = hashes[index]
                if k % 2 == 1, nextPending[index] < pending[index].count {
                    let id = pending[index][nextPending[index]]
                    nextPending[index] += 1
                    _ = try await sandbox.state.setStatus(store: hash, id: id, statusID: 11)
                    probeList.append(Probe(storeIndex: index, externalOrderId: String(id), enteredAt: Date(), moved: true))
                } else {
                    let created = try await sandbox.state.createOrder(store: hash, lines: [(sku: "PROBE-\(k)", quantity: 1)])
                    probeList.append(Probe(storeIndex: index, externalOrderId: String(created.id), enteredAt: Date(), moved: false))
                }
                nextProbe += spacing
            }
            let wake = min(nextSample, probeList.count < probes ? nextProbe : nextSample, windowEnd)
            if wake > ContinuousClock.now { try await Task.sleep(until: wake, clock: .continuous) }
        }
        let windowSeconds = QueueBenchSupport.seconds(ContinuousClock.now - windowStart)
        guard let cpuAfter = ProcFigures.cpuSeconds(pid) else { throw ValidationError("dropstreamd exited during the window; see \(logPath)") }
        let peakKiB = ProcFigures.kilobytes(pid, "VmHWM") ?? 0
        let requestsByEndpoint = await sandbox.state.requestCounts()
        let requests = requestsByEndpoint.values.reduce(0, +)
        let violations = try await totalViolations(sandbox, hashes)

        // 4. Every probe imported, then the import times from the database.
        _ = try await waitForReady(atLeast: seededReady + probeList.count, client: client, process: process, log: logPath,
                                   within: .seconds(2 * interval + 120), since: start)
        await process.stop()
        daemon = nil
        let database = try SQLiteStorage.open(path: stateDirectory + "/dropstream.sqlite")
        var latencies: [Double] = []
        for probe in probeList {
            guard let record = try await database.order(storeId: storeIds[probe.storeIndex], externalOrderId: probe.externalOrderId) else {
                throw ValidationError("probe order \(probe.externalOrderId) of \(hashes[probe.storeIndex]) is not in the queue")
            }
            latencies.append(record.createdAt.timeIntervalSince(probe.enteredAt))
        }
        latencies.sort()

        // 5. Figures.
        let cpuPercent = (cpuAfter - cpuBefore) / windowSeconds * 100
        let rssMeanMiB = Double(rssSamples.reduce(0, +)) / Double(max(rssSamples.count, 1)) / 1024
        let rssMaxMiB = Double(rssSamples.max() ?? 0) / 1024
        let perStorePerMinute = Double(requests) / Double(stores) / (windowSeconds / 60)
        let p50 = percentile(latencies, 0.50), p99 = percentile(latencies, 0.99), worst = latencies.last ?? 0
        let mean = latencies.reduce(0, +) / Double(max(latencies.count, 1))
        let iv = Double(interval)
        let endpoints = requestsByEndpoint.sorted { $0.value > $1.value }.map { "\($0.key.name) \($0.value)" }.joined(separator: ", ")
        print(String(format: "fleet: %d stores (%d orders each), poll interval %d s, window %.0f s after %d s warm-up", stores, ordersPerStore, interval, windowSeconds, warmup))
        print(String(format: "  dropstreamd CPU %.2f %% of one core (%.2f s CPU in %.0f s); RSS mean %.1f MiB, max %.1f MiB over %d samples; peak VmHWM %.1f MiB (since exec, first passes included)",
                     cpuPercent, cpuAfter - cpuBefore, windowSeconds, rssMeanMiB, rssMaxMiB, rssSamples.count, Double(peakKiB) / 1024))
        print(String(format: "  API requests %d in the window -> %.2f per store per minute (%@); 429s: %d in the window, %d since start",
                     requests, perStorePerMinute, endpoints, violations - violationsBefore, violations))
        print(String(format: "  import-status -> ready latency over %d orders: p50 %.1f s, p99 %.1f s, max %.1f s, mean %.1f s = p50 %.2f, p99 %.2f, mean %.2f of the interval",
                     latencies.count, p50, p99, worst, mean, p50 / iv, p99 / iv, mean / iv))
        print("  (latency is dominated by the poll interval: an order waits for its store's next pass, on average half an interval; the daemon's own share is the pass itself)")
        print(String(format: "  first passes of all stores: %.1f s after exec, %.1f s CPU", firstPassSeconds, firstPassCPU))
        print("  " + BenchMachine.describe())
        let json: [String: Any] = [
            "scenario": "fleet", "build": BenchMachine.build, "cores": BenchMachine.cores,
            "stores": stores, "orders_per_store": ordersPerStore, "interval_s": interval, "warmup_s": warmup, "window_s": round3(windowSeconds),
            "cpu_percent": round3(cpuPercent), "cpu_seconds": round3(cpuAfter - cpuBefore),
            "rss_mean_mib": round3(rssMeanMiB), "rss_max_mib": round3(rssMaxMiB), "vmhwm_mib": round3(Double(peakKiB) / 1024),
            "api_requests": requests, "requests_per_store_per_minute": round3(perStorePerMinute),
            "http429_window": violations - violationsBefore, "http429_total": violations,
            "probes": latencies.count, "latency_p50_s": round3(p50), "latency_p99_s": round3(p99), "latency_max_s": round3(worst),
            "latency_mean_s": round3(mean), "latency_p50_intervals": round3(p50 / iv), "latency_p99_intervals": round3(p99 / iv),
            "first_passes_s": round3(firstPassSeconds), "first_passes_cpu_s": round3(firstPassCPU),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
    }

    /// Polls the daemon's status until at least `count` orders are `ready`; returns the seconds
    /// since `since`.
    private func waitForReady(
        atLeast count: Int, client: ControlClient, process: SpawnedProcess, log: String, within: Duration, since: ContinuousClock.Instant
    ) async throws -> Double {
        let deadline = ContinuousClock.now + within
        var last = -1
        while true {
            if let status = try? await client.status() {
                last = status.ordersByState["ready"] ?? 0
                if last >= count { return QueueBenchSupport.seconds(ContinuousClock.now - since) }
            }
            guard process.isRunning, ContinuousClock.now < deadline else {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw ValidationError("\(last) of \(count) orders ready within \(within) (dropstreamd running: \(process.isRunning)):\n\(text.suffix(3000))")
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    private func totalViolations(_ sandbox: RunningSandbox, _ hashes: [String]) async throws -> Int {
        var total = 0
        for hash in hashes { total += try await sandbox.state.quotaViolations(store: hash) }
        return total
    }
}
