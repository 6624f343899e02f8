import ArgumentParser
import BigCommerceSandbox
import DropStreamDaemon
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import DropStreamSystemd
import DropStreamTestWorld
import Foundation
import Logging

/// `backfill`: the first full pass of one store through the real daemon — its composition root,
/// sync scheduler, StoreSyncer, BigCommerce client and SQLite file — against an in-process
/// sandbox over loopback (DESIGN §9: orders/s, API requests per imported order).
struct Backfill: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Backfill orders/s and API requests per imported order through the real sync engine.",
        discussion: """
            Starts an in-process sandbox on 127.0.0.1 with one store holding --orders orders, all \
            in Awaiting Fulfillment (11), and an in-process dropstreamd (buildDaemon, as the \
            binary does) on a fresh SQLite file in a temporary directory, the store connected with \
            a TokenVault-sealed token. The daemon's scheduler runs the store's first (full) pass; \
            the figures come from that pass's syncRun row (wall time) and the sandbox's request \
            counters (requests, 429s).

            Default: rate limiting off, and the store advertises a quota of 1,000,000 requests per \
            window in its X-Rate-Limit-* headers (the client paces itself by those headers, so \
            advertising 150 would pace a 100,000-order backfill to ~1,250 orders/s and measure the \
            quota, not the engine). --quota: the Standard plan's quota, 150 requests per \
            --window (default 30 s, as BigCommerce), on --orders (use 20000). With line items \
            embedded that is 81 listing requests + /v2/time, which fits in one window, so the \
            quota does not bind and the run takes seconds; when it does bind (more requests per \
            order, or a smaller --quota-requests) the pacer waits for window resets and the run \
            takes minutes of real time — a shorter --window scales that wait down.

            Prints a human summary, then one JSON line. Peak RSS is the whole process's VmHWM \
            (/proc/self/status): the sandbox's copy of the orders included.
            """)

    @Option(help: "Orders to seed (all in the import status).") var orders: Int = 100_000
    @Flag(help: "Enforce the Standard quota (150 requests per --window) and count 429s.") var quota = false
    @Option(help: "Quota window in seconds (with --quota).") var window: Double = 30
    @Option(help: "Quota: requests per window (with --quota).") var quotaRequests: Int = 150
    @Option(help: "Give up after this many seconds.") var timeout: Double = 3_600

    func measure() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
        let scratch = try TemporaryDirectory(prefix: "dsb")
        let hash = "benchstore"
        let sandbox = try await RunningSandbox.start(configuration: SandboxConfiguration(
            defaultQuota: quota ? quotaRequests : 1_000_000, rateLimitWindow: .milliseconds(Int64(window * 1_000)), rateLimitEnabled: quota))
        _ = try await sandbox.state.createStore(hash: hash)
        let seedStart = ContinuousClock.now
        try await sandbox.state.seedOrders(store: hash, count: orders, seed: 1, statusMix: .only(11))
        let token = try await sandbox.state.issueToken(store: hash)
        print("seeded \(orders) orders in \(ContinuousClock.now - seedStart); RSS after seeding \(ProcessMemory.kilobytes("VmRSS") / 1024) MiB")

        // The state directory a connected store leaves behind: store row + sealed token + key.
        let stateDirectory = scratch.path + "/state"
        let keyFile = scratch.path + "/token.key"
        let storeId = try await SeededStateDirectory(path: stateDirectory, keyFile: keyFile)
            .connectStore(name: "bench", hash: hash, token: token).id
        let configPath = scratch.path + "/dropstreamd.yaml"
        try """
            tokens:
              key_file: "\(keyFile)"
            bigcommerce:
              api_base_url: "\(sandbox.baseURL)"
              login_base_url: "\(sandbox.baseURL)"
            sync:
              poll_interval: "1h"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        var environment = SpawnedProcess.inheritedEnvironment(droppingPrefix: "DROPSTREAM_")
        environment["DROPSTREAM_CALLBACK_LISTEN"] = "127.0.0.1:\(try FreePort.next())"
        let loader = ConfigurationLoader(
            overrides: CommandLineOverrides(configPath: configPath, stateDirectory: stateDirectory, socketPath: scratch.path + "/control.sock", logLevel: "warning"),
            environment: environment)
        let configuration = try loader.load()
        var logger = Logger(label: "dropstream-bench")
        logger.logLevel = .warning
        let daemon = try await buildDaemon(
            configuration: configuration, loader: loader, logLevel: LogLevelControl(.warning), environment: environment, logger: logger)
        await sandbox.state.resetCounters()
        let running = Task { try await daemon.run() }

        // The scheduler starts the store's first pass within two seconds; wait for its row.
        let deadline = ContinuousClock.now + .seconds(timeout)
        var run: SyncRunRecord?
        while run == nil {
            if let finished = try await daemon.database.syncRuns(storeId: storeId, limit: 1).first, finished.finishedAt != nil { run = finished; break }
            guard ContinuousClock.now < deadline else { throw ValidationError("no finished pass within \(timeout) s") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let pass = run!
        let requests = await sandbox.state.totalRequests(store: hash)
        let byEndpoint = await sandbox.state.requestCounts(store: hash)
        let violations = try await sandbox.state.quotaViolations(store: hash)
        let queued = try await daemon.database.openExternalOrderIds(storeId: storeId).count
        let peakKiB = ProcessMemory.kilobytes("VmHWM")
        let databaseBytes = (try? FileManager.default.attributesOfItem(atPath: configuration.databasePath)[.size] as? Int) ?? 0
        running.cancel()

        guard pass.outcome == .succeeded else { throw ValidationError("the pass failed: \(pass.error ?? "?")") }
        let seconds = pass.finishedAt!.timeIntervalSince(pass.startedAt)
        let imported = pass.ordersNew
        let perOrder = Double(requests) / Double(max(1, imported))
        let endpoints = byEndpoint.sorted { $0.value > $1.value }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        print(String(format: "backfill%@: %d orders imported (%d in the queue) in %.2f s -> %.0f orders/s", quota ? " (quota)" : "", imported, queued, seconds, Double(imported) / seconds))
        print(String(format: "  API requests: %d (%.4f per imported order; %@); 429s received: %d", requests, perOrder, endpoints, violations))
        print(String(format: "  peak RSS %.0f MiB (whole process, sandbox included); database %.1f MB", Double(peakKiB) / 1024, Double(databaseBytes) / 1e6))
        if quota { print(String(format: "  quota %d requests per %.1f s window", quotaRequests, window)) }
        let json: [String: Any] = [
            "scenario": quota ? "backfill-quota" : "backfill", "orders": orders, "imported": imported, "queued": queued,
            "wallSeconds": (seconds * 1000).rounded() / 1000, "ordersPerSecond": (Double(imported) / seconds).rounded(),
            "apiRequests": requests, "requestsPerImportedOrder": (perOrder * 10_000).rounded() / 10_000,
            "http429": violations, "peakRSSMiB": peakKiB / 1024, "databaseBytes": databaseBytes,
            "quota": quota ? ["requests": quotaRequests, "windowSeconds": window] as [String: Any] : NSNull(),
        ]
        print(String(decoding: try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys]), as: UTF8.self))
        if queued != orders { throw ValidationError("the queue holds \(queued) orders, expected \(orders)") }
    }
}

/// `/proc/self/status` figures.
enum ProcessMemory {
    /// A `kB` line of /proc/self/status (`VmHWM` = peak RSS, `VmRSS` = now); 0 when unreadable.
    static func kilobytes(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}
