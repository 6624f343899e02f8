import ArgumentParser
import BigCommerceSandbox
import DropStreamSQLite
import DropStreamStorage
import Foundation

/// `drill kill`: SIGKILL the real dropstreamd at random moments while it backfills and a merchant
/// changes orders; after a final clean pass the queue must equal the store's import status.
struct DrillKill: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "kill",
        abstract: "SIGKILL dropstreamd --kills times during a backfill and live order changes; nothing lost or doubled.",
        discussion: """
            Seeds the sandbox with --orders orders (the realistic status mix: ~70 % in Awaiting \
            Fulfillment) and a state directory with the store connected, then starts dropstreamd \
            (sync.poll_interval 1s, so incremental passes follow the backfill back to back; every \
            listing request delayed by --list-latency-ms so a pass spans many moments). While a \
            merchant edits the store through the sandbox's admin API (new orders, cancellations, \
            orders shipped elsewhere, moved to Pending and back, line quantities changed), the drill \
            SIGKILLs the daemon --kills times, each after a random delay (seeded RNG: --seed; the \
            seed is printed), and restarts it at once: some kills land during start-up, some mid-page.

            Then the merchant stops, the daemon starts a last time, and one pass runs on demand \
            (`store sync --wait`: incremental once a backfill has committed its watermark, the pass \
            the daemon would run next; a full pass would re-import what was missed and hide it). Figures (all must be 0): lost (import-status orders not \
            open in the queue), duplicated (store orders queued twice), line-item mismatches, \
            departures not applied (orders that left the import status still `ready`; the sync \
            rules cancel or hold them), unexpected exits (the daemon ended before a SIGKILL).
            """)

    @Option(help: "SIGKILLs to deliver.") var kills: Int = 50
    @Option(help: "Orders seeded in the sandbox store.") var orders: Int = 5_000
    @Option(help: "Random seed (kill moments and merchant edits); default: the current time. Printed, so a run can be repeated.") var seed: UInt64?
    /// The seed of this run: `--seed`, or the time the command line was read (set in `validate()`).
    private var rngSeed: UInt64 { seed ?? 0 }
    @Option(help: "Longest random delay between a (re)start and its SIGKILL, in milliseconds.") var maxDelayMs: Int = 5_000
    @Option(help: "Delay on every listing request, in milliseconds.") var listLatencyMs: Int = 40
    @Option(help: "Mean interval between merchant edits, in milliseconds.") var editIntervalMs: Int = 150
    @Flag(help: "Keep the scratch directory (database, config, daemon log) and print its path.") var keep = false

    mutating func validate() throws {
        if seed == nil { seed = UInt64(Date().timeIntervalSince1970) }
        guard kills >= 0 else { throw ValidationError("--kills must not be negative.") }
        guard orders > 0 else { throw ValidationError("--orders must be positive.") }
        guard maxDelayMs >= 50 else { throw ValidationError("--max-delay-ms must be at least 50.") }
    }

    func measure() async throws {
        print("drill kill: --kills \(kills) --orders \(orders) --seed \(rngSeed)")
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        let world = try await DrillWorld(
            scratch: scratch, sandboxConfiguration: SandboxConfiguration(rateLimitEnabled: false),
            config: ["sync.poll_interval": "1s", "sync.overlap": "2m"])
        var merchantTask: Task<Void, Never>?
        func cleanUp() async {
            merchantTask?.cancel()
            await world.shutdown()
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        do {
            try await drill(world, merchantTask: &merchantTask)
        } catch {
            let tail = world.logTail()
            fflush(nil)  // what the drill printed so far comes before the error
            await cleanUp()
            if error is ExitCode { throw error }
            throw DrillSetupError("\(error)\n--- daemon log tail:\n\(tail)")
        }
        await cleanUp()
    }

    private func drill(_ world: DrillWorld, merchantTask: inout Task<Void, Never>?) async throws {
        let start = ContinuousClock.now
        try await world.seed(orders: orders, seed: rngSeed)
        let hash = DrillWorld.storeHash
        _ = await world.sandbox.state.injectFault(SandboxFault(
            .latency(.milliseconds(Int64(listLatencyMs))), trigger: .probability(1.0), store: hash, endpoint: .listOrders))
        let merchant = DrillMerchant(state: world.sandbox.state, store: hash, seed: rngSeed)
        let editInterval = Duration.milliseconds(Int64(editIntervalMs))
        merchantTask = Task { await merchant.run(every: editInterval) }

        var random = SandboxRandom(seed: rngSeed)
        var unexpectedExits = 0
        var delays: [Int] = []
        try world.startDaemon()
        for n in 1...max(1, kills) where kills > 0 {
            let delay = 50 + Int(random.next() % UInt64(maxDelayMs - 49))
            delays.append(delay)
            try await Task.sleep(for: .milliseconds(delay))
            if try await !world.killDaemon() {
                unexpectedExits += 1
                print("  kill \(n): dropstreamd had already exited (status \(world.daemon?.terminationStatus ?? -1))")
            }
            try world.startDaemon()
            if n % 10 == 0 { print("  \(n) kills delivered") }
        }
        merchantTask?.cancel()
        _ = await merchantTask?.value
        let edits = await merchant.counts
        try await world.waitUntilAnswering()
        let database = try SQLiteStorage.open(path: world.databasePath)
        let beforeFinal = try await database.openExternalOrderIds(storeId: world.storeId).count
        await world.sandbox.state.removeAllFaults()
        let pass = try await world.cleanPass()
        let audit = try await QueueAudit.run(database: database, storeId: world.storeId, sandbox: world.sandbox.state, store: hash)
        let wall = ContinuousClock.now - start

        print("  \(kills) SIGKILLs (delays \(delays.min() ?? 0)–\(delays.max() ?? 0) ms after each start); merchant edits: \(edits.summary)")
        print("  \(beforeFinal) orders open before the final pass; final pass (\(pass.kind)): seen \(pass.ordersSeen), new \(pass.ordersNew), updated \(pass.ordersUpdated), cancelled \(pass.ordersCancelled)")
        print(audit.description)
        print(String(format: "  wall time %.1f s", QueueBenchSupport.seconds(wall)))
        try DrillFigures(
            name: "kill",
            mustBeZero: [
                ("lost", audit.lost.count), ("duplicated", audit.duplicated.count), ("line_item_mismatches", audit.lineMismatches.count),
                ("departures_not_applied", audit.departuresNotApplied.count), ("unexpected_exits", unexpectedExits),
            ],
            info: [
                ("seed", rngSeed), ("kills", kills), ("orders", orders), ("merchant_edits", edits.total),
                ("import_status_orders", audit.importStatusOrders), ("queued", audit.queued), ("back_in_import_status", audit.backInImportStatus.count),
                ("open_before_final_pass", beforeFinal), ("final_pass_new", pass.ordersNew),
                ("wall_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(wall))),
            ]
        ).report()
    }
}
