import BigCommerceSandbox
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Testing

/// Crash safety of the sync engine with the real binary (issue 5, "Done means"): `dropstreamd`
/// is SIGKILLed at several points of a backfill and restarted; the queue ends up holding exactly
/// the sandbox's import-status orders, each once, with its lines.
///
/// What makes this hold (DESIGN §5): every listing page commits in one transaction, the
/// watermark only with the pass's last page, and upserts are idempotent on
/// `(storeId, externalOrderId, dateModified)` — so a pass cut anywhere simply repeats.
@Suite struct SyncCrashSafetyTests {
    /// Orders seeded in the sandbox (the realistic mix: ~70 % in the import status).
    static let seededOrders = 2_500
    /// Per listing request, so a pass takes seconds and can be cut between pages.
    static let listLatency = Duration.milliseconds(60)
    static let pageSize = 250

    @Test func sigkillDuringABackfillLosesAndDuplicatesNothing() async throws {
        let world = try await FulfillmentWorld(
            seeding: .syncBackfill(orders: Self.seededOrders, seed: 31, statusMix: .realistic),
            config: ["log.level": "info", "sync.poll_interval": "1s"],
            sandboxConfiguration: SandboxConfiguration(rateLimitEnabled: false))
        do {
            try await exercise(world)
        } catch {
            Issue.record("\(error)\n--- daemon log tail:\n\(world.daemonLog.suffix(4000))")
        }
        await world.shutdown()
    }

    private func exercise(_ world: FulfillmentWorld) async throws {
        let hash = FulfillmentWorld.storeHash
        let sandbox = world.sandbox.state
        let latency = await sandbox.injectFault(
            SandboxFault(.latency(Self.listLatency), trigger: .probability(1.0), store: hash, endpoint: .listOrders))
        // The test reads the daemon's file as any other reader would (WAL: readers never block it).
        let database = try SQLiteStorage.open(path: world.databasePath)
        let storeId = world.storeId

        func importIDs() async throws -> Set<String> {
            Set(try await sandbox.orders(store: hash).filter { $0.statusID == SandboxOrderStatus.awaitingFulfillment && !$0.isDeleted }.map { String($0.id) })
        }
        /// Kills the daemon as soon as `queued` open orders are committed, mid-backfill.
        func kill(when what: String, atLeast queued: Int) async throws {
            try await eventually("\(what): at least \(queued) orders committed", timeout: .seconds(30)) {
                try await database.openExternalOrderIds(storeId: storeId).count >= queued
            }
            try await world.killDaemon()
            // Cut before the pass's last page: no pass has finished, the watermark never moved.
            #expect(try await database.syncCursor(for: storeId)?.watermark == nil, "\(what): the backfill had already finished")
        }

        let initial = try await importIDs()
        #expect(initial.count > 1_500)

        // 1. Right after the first committed page.
        try await kill(when: "first page", atLeast: 1)
        // A merchant keeps working while the daemon is down: new orders, and import-status
        // orders not yet listed leave it.
        let notYetListed = initial.subtracting(try await database.openExternalOrderIds(storeId: storeId)).compactMap(Int.init).sorted().suffix(10)
        for id in notYetListed.prefix(5) { _ = try await sandbox.cancelOrder(store: hash, id: id) }
        for id in notYetListed.suffix(5) { _ = try await sandbox.setStatus(store: hash, id: id, statusID: SandboxOrderStatus.shipped) }
        for n in 0..<10 { try await sandbox.createOrder(store: hash, lines: [(sku: "DOWN-1-\(n)", quantity: 1)]) }
        try await world.startDaemonAndWait()

        // 2. Mid-way.
        try await kill(when: "mid-way", atLeast: initial.count / 2)
        // Orders already in the queue change in the store: cancelled, shipped elsewhere, edited;
        // others enter the import status.
        let queued = try await database.openExternalOrderIds(storeId: storeId).compactMap(Int.init).sorted()
        let cancelled = Array(queued.prefix(15)), shippedElsewhere = Array(queued.dropFirst(15).prefix(10))
        let edited = Array(queued.dropFirst(25).prefix(15))
        for id in cancelled { _ = try await sandbox.cancelOrder(store: hash, id: id) }
        for id in shippedElsewhere { _ = try await sandbox.setStatus(store: hash, id: id, statusID: SandboxOrderStatus.shipped) }
        for id in edited {
            _ = try await sandbox.editOrder(store: hash, id: id) { order in
                for i in order.lines.indices { order.lines[i].quantity += 3 }
            }
        }
        let pending = try await sandbox.orders(store: hash).filter { $0.statusID == SandboxOrderStatus.pending }.prefix(15)
        for order in pending { _ = try await sandbox.setStatus(store: hash, id: order.id, statusID: SandboxOrderStatus.awaitingFulfillment) }
        for n in 0..<25 { try await sandbox.createOrder(store: hash, lines: [(sku: "DOWN-2-\(n)", quantity: 2)]) }
        try await world.startDaemonAndWait()

        // 3. Near the end (three pages before it). The departures above are only applied at the
        // end of a full pass, so the open count still includes them.
        let expectedNow = try await importIDs().count + cancelled.count + shippedElsewhere.count
        try await kill(when: "near the end", atLeast: expectedNow - 3 * Self.pageSize)
        for id in edited.prefix(5) {
            _ = try await sandbox.editOrder(store: hash, id: id) { $0.customerMessage = "edited while the daemon was down" }
        }
        // 4. Let it finish, then one more full pass on demand (no latency: the point is made).
        await sandbox.removeFault(latency)
        try await world.startDaemonAndWait()
        let sync = try await world.ctl(["store", "sync", FulfillmentWorld.storeName, "--full", "--wait"])
        #expect(sync.status == 0, "store sync: \(sync.stdout) \(sync.stderr)")

        // The queue's ready/held orders are exactly the import-status orders, each once.
        let all = try await database.orders(store: storeId, limit: 1_000_000)
        var byExternalID: [String: FulfillmentOrderRecord] = [:]
        for order in all {
            #expect(byExternalID.updateValue(order, forKey: order.externalOrderId) == nil, "order \(order.externalOrderId) queued twice")
        }
        let open = Set(all.filter { $0.state == .ready || $0.state == .held }.map(\.externalOrderId))
        let expected = try await importIDs()
        #expect(open == expected, "missing \(expected.subtracting(open).sorted().prefix(10)), extra \(open.subtracting(expected).sorted().prefix(10))")
        #expect(all.allSatisfy { $0.state != .claimed && $0.state != .shipped })
        for id in cancelled + shippedElsewhere {
            #expect(byExternalID[String(id)]?.state == .cancelled, "order \(id) left the import status while the daemon was down")
        }
        for id in notYetListed { #expect(byExternalID[String(id)] == nil, "order \(id) left the import status before it was ever listed") }

        // Each order's lines (and address) are the sandbox's, edits included.
        let sandboxOrders = Dictionary(uniqueKeysWithValues: try await sandbox.orders(store: hash).map { (String($0.id), $0) })
        for id in expected {
            let queuedOrder = try #require(byExternalID[id]), sandboxOrder = try #require(sandboxOrders[id])
            let physical = sandboxOrder.lines.filter { $0.type == .physical }
            let lines = queuedOrder.payload.lines
            #expect(lines.map(\.lineID) == physical.map { String($0.id) }, "order \(id): line ids")
            #expect(lines.map(\.sku) == physical.map { $0.sku.isEmpty ? nil : $0.sku }, "order \(id): skus")
            #expect(lines.map(\.quantity) == physical.map(\.quantity), "order \(id): quantities")
            #expect(queuedOrder.payload.shippingAddress?.addressID == sandboxOrder.shippingAddresses.first.map { String($0.id) }, "order \(id): address")
        }
        for id in edited.prefix(5) {
            #expect(byExternalID[String(id)]?.payload.customerMessage == "edited while the daemon was down")
        }
    }
}
