import BigCommerceAPI
import BigCommerceSandbox
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Testing

@testable import DropStreamDaemon

/// The sync pass against the sandbox over loopback and a real SQLite file (issue 5, "Done means").
@Suite struct StoreSyncerTests {
    @Test func backfillQueuesExactlyTheImportStatusOrdersWithLinesAndAddress() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("bf1", orders: 3_000, seed: 11)
        let syncer = fixture.syncer(store)

        let report = await syncer.runPass()
        #expect(report.outcome == .succeeded, "\(report.error ?? "")")
        #expect(report.kind == .full)
        try await fixture.expectConverged(store)
        let expected = try await fixture.sandboxImportIDs("bf1")
        #expect(expected.count > 1_500)  // several statuses seeded, most in the import status
        #expect(report.counts.new == expected.count)

        // Lines and address, compared with the sandbox's own record of a few orders.
        let sandboxOrders = try await fixture.sandbox.state.orders(store: "bf1").filter { $0.statusID == 11 }
        for sandboxOrder in sandboxOrders.prefix(20) {
            let queued = try #require(try await fixture.database.order(storeId: store.id, externalOrderId: String(sandboxOrder.id)))
            let physical = sandboxOrder.lines.filter { $0.type == .physical }
            #expect(queued.payload.lines.map(\.lineID) == physical.map { String($0.id) })
            #expect(queued.payload.lines.map(\.sku) == physical.map { $0.sku.isEmpty ? nil : $0.sku })
            #expect(queued.payload.lines.map(\.quantity) == physical.map(\.quantity))
            #expect(queued.payload.lines.allSatisfy { $0.productType == "physical" && $0.addressID != nil })
            let address = try #require(queued.payload.shippingAddress)
            #expect(address.addressID == sandboxOrder.shippingAddresses.first.map { String($0.id) })
            #expect(address.zip == sandboxOrder.shippingAddresses.first?.address.zip)
            #expect(queued.payload.shippingMethod == sandboxOrder.shippingAddresses.first?.shippingMethod)
            #expect(queued.storeStatusId == 11)
        }
        // One listing request per 250 orders, plus /v2/time: lines come embedded.
        #expect(report.requestsUsed <= expected.count / 250 + 3)
        let cursor = try #require(try await fixture.database.syncCursor(for: store.id))
        #expect(cursor.watermark != nil && cursor.lastFullPassAt == cursor.watermark)

        // A second pass is incremental and changes nothing.
        let again = await syncer.runPass()
        #expect(again.outcome == .succeeded && again.kind == .incremental)
        #expect(again.counts.new == 0 && again.counts.updated == 0 && again.counts.cancelled == 0)
        try await fixture.expectConverged(store)
        let runs = try await fixture.database.syncRuns(storeId: store.id)
        #expect(runs.count == 2 && runs.allSatisfy { $0.outcome == .succeeded && $0.requestsUsed > 0 })
    }

    @Test func incrementalPassReflectsMerchantChanges() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("inc1", orders: 400, seed: 3)
        let syncer = fixture.syncer(store)
        #expect(await syncer.runPass().outcome == .succeeded)
        try await fixture.expectConverged(store)

        let state = fixture.sandbox.state
        let orders = try await state.orders(store: "inc1")
        let inImport = orders.filter { $0.statusID == 11 }
        let elsewhere = orders.filter { $0.statusID == 1 }  // Pending
        let created = try await state.createOrder(store: "inc1", lines: [("NEW-SKU", 2)])
        _ = try await state.setStatus(store: "inc1", id: elsewhere[0].id, statusID: 11)          // moved in
        _ = try await state.cancelOrder(store: "inc1", id: inImport[0].id)                           // cancelled
        _ = try await state.setStatus(store: "inc1", id: inImport[1].id, statusID: 2)                // shipped elsewhere
        _ = try await state.setStatus(store: "inc1", id: inImport[2].id, statusID: 12)               // manual verification
        _ = try await state.editOrder(store: "inc1", id: inImport[3].id) { $0.lines[0].quantity += 5 }  // edited
        _ = try await state.setStatus(store: "inc1", id: inImport[4].id, statusID: 4)                // refunded

        let report = await syncer.runPass()
        #expect(report.outcome == .succeeded && report.kind == .incremental, "\(report.error ?? "")")
        #expect(report.counts.new == 2)
        #expect(report.counts.cancelled == 3)
        #expect(report.counts.updated == 1)
        #expect(report.held == 1)

        let db = fixture.database
        #expect(try await db.order(storeId: store.id, externalOrderId: String(created.id))?.state == .ready)
        #expect(try await db.order(storeId: store.id, externalOrderId: String(created.id))?.payload.lines.first?.sku == "NEW-SKU")
        #expect(try await db.order(storeId: store.id, externalOrderId: String(elsewhere[0].id))?.state == .ready)
        let cancelled = try #require(try await db.order(storeId: store.id, externalOrderId: String(inImport[0].id)))
        #expect(cancelled.state == .cancelled && cancelled.storeStatusId == 5)
        let shippedElsewhere = try #require(try await db.order(storeId: store.id, externalOrderId: String(inImport[1].id)))
        #expect(shippedElsewhere.state == .cancelled)
        let events = try await db.events(forOrder: shippedElsewhere.id)
        #expect(events.last?.detail?["reason"]?.contains("handled elsewhere") == true)
        #expect(events.last?.detail?["storeStatusId"] == "2")
        let held = try #require(try await db.order(storeId: store.id, externalOrderId: String(inImport[2].id)))
        #expect(held.state == .held && held.holdReason?.contains("12") == true)
        let edited = try #require(try await db.order(storeId: store.id, externalOrderId: String(inImport[3].id)))
        #expect(edited.payload.lines.first?.quantity == inImport[3].lines.first(where: { $0.type == .physical }).map { $0.quantity + 5 } ?? -1 || edited.state == .ready)
        #expect(try await db.order(storeId: store.id, externalOrderId: String(inImport[4].id))?.state == .cancelled)

        // The queue's ready orders are the import-status orders minus the held one.
        let expected = try await fixture.sandboxImportIDs("inc1")
        let ready = Set(try await db.orders(store: store.id, state: .ready, limit: 100_000).map(\.externalOrderId))
        #expect(ready == expected)

        // A cancelled order put back in the import status is not re-queued, but recorded.
        _ = try await state.setStatus(store: "inc1", id: inImport[0].id, statusID: 11)
        #expect(await syncer.runPass().outcome == .succeeded)
        #expect(try await db.order(storeId: store.id, externalOrderId: String(inImport[0].id))?.state == .cancelled)
        #expect(try await db.events(forOrder: cancelled.id).contains { $0.kind.rawValue == "back_in_import_status" })
    }

    @Test func tiesOnDateModifiedAtTheWatermarkAreNotLostWithoutOverlap() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("tie1", orders: 50, seed: 5)
        let syncer = fixture.syncer(store, settings: SyncSettings(overlap: .zero))
        #expect(await syncer.runPass().outcome == .succeeded)
        let watermark = try #require(try await fixture.database.syncCursor(for: store.id)?.watermark)
        // Orders modified in the very second of the watermark, after the pass read it.
        let stamp = Int64(watermark.timeIntervalSince1970)
        for i in 0..<5 {
            var order = try await fixture.sandbox.state.createOrder(store: "tie1", lines: [("TIE-\(i)", 1)])
            order = try await fixture.sandbox.state.editOrder(store: "tie1", id: order.id) { $0.dateModified = stamp }
            #expect(order.dateModified == stamp)
        }
        #expect(await syncer.runPass().outcome == .succeeded)
        try await fixture.expectConverged(store)
    }

    @Test(arguments: [
        SandboxListingMutation.changeStatusOfServedOrders(count: 40, to: 5),
        .changeStatusOfServedOrders(count: 40, to: 1),
        .createOrders(count: 30),
        .touchServedOrders(count: 50),
    ])
    func pageShiftDuringAListingLosesAndDuplicatesNothing(_ mutation: SandboxListingMutation) async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("ps1", orders: 1_500, seed: 9, statusMix: .only(11))
        _ = await fixture.sandbox.state.injectFault(SandboxFault(.mutationBetweenPages(mutation), trigger: .nextRequests(3), store: "ps1", endpoint: .listOrders))
        let syncer = fixture.syncer(store)
        let first = await syncer.runPass()
        #expect(first.outcome == .succeeded, "\(first.error ?? "")")
        // Every order that stayed in the import status was seen, however pages shifted.
        let afterFirst = try await fixture.sandboxImportIDs("ps1")
        let queued = try await fixture.queueOpenIDs(store)
        let noneLost = afterFirst.isSubset(of: queued)
        #expect(noneLost, "lost: \(afterFirst.subtracting(queued).sorted().prefix(10))")
        // The next pass applies what changed during the first one.
        #expect(await syncer.runPass().outcome == .succeeded)
        try await fixture.expectConverged(store)
    }

    @Test(arguments: [
        SandboxFault.Kind.serverError(status: 500), .serverError(status: 503), .connectionReset,
        .rateLimited(withHeaders: true), .rateLimited(withHeaders: false),
    ])
    func transientFaultsAreRetriedWithinThePass(_ kind: SandboxFault.Kind) async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("tf1", orders: 800, seed: 4)
        _ = await fixture.sandbox.state.injectFault(SandboxFault(kind, trigger: .nextRequests(2), store: "tf1", endpoint: .listOrders))
        let report = await fixture.syncer(store).runPass()
        #expect(report.outcome == .succeeded, "\(report.error ?? "")")
        try await fixture.expectConverged(store)
    }

    @Test(arguments: [
        SandboxFault.Kind.serverError(status: 503), .connectionReset, .malformedJSON, .truncatedJSON,
    ])
    func aFailedPassKeepsTheWatermarkAndTheNextPassConverges(_ kind: SandboxFault.Kind) async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("ff1", orders: 600, seed: 8)
        let syncer = fixture.syncer(store)
        #expect(await syncer.runPass().outcome == .succeeded)
        let before = try #require(try await fixture.database.syncCursor(for: store.id)?.watermark)

        // Changes, then a listing that keeps failing (beyond the client's retries) mid-pass.
        for _ in 0..<300 { try await fixture.sandbox.state.createOrder(store: "ff1", lines: [("F", 1)]) }
        let fault = await fixture.sandbox.state.injectFault(SandboxFault(kind, trigger: .probability(1.0, seed: 1), store: "ff1", endpoint: .listOrders))
        let failed = await syncer.runPass()
        #expect(failed.outcome == .failed)
        #expect(failed.error != nil)
        #expect(try await fixture.database.syncCursor(for: store.id)?.watermark == before)
        #expect(try await fixture.database.syncRuns(storeId: store.id, limit: 1).first?.outcome == .failed)

        await fixture.sandbox.state.removeFault(fault)
        let healed = await syncer.runPass()
        #expect(healed.outcome == .succeeded, "\(healed.error ?? "")")
        try await fixture.expectConverged(store)
        #expect(try await fixture.database.syncCursor(for: store.id)!.watermark! > before)
    }

    @Test func aPassCancelledAtAnyPointRepeatsIdempotently() async throws {
        // In-process stand-in for a crash: the pass is cut at a random point (committed pages
        // stay, the watermark has not moved); a new syncer on a re-opened database converges.
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("cx1", orders: 1_500, seed: 2)
        _ = await fixture.sandbox.state.injectFault(SandboxFault(.latency(.milliseconds(30)), trigger: .probability(1.0), store: "cx1", endpoint: .listOrders))
        for cut in [40, 90, 150] {
            let syncer = fixture.syncer(store)
            let task = Task { await syncer.runPass() }
            try await Task.sleep(for: .milliseconds(cut))
            task.cancel()
            _ = await task.value
        }
        #expect(try await fixture.database.syncCursor(for: store.id)?.watermark == nil)
        let final = await fixture.syncer(store).runPass()
        #expect(final.outcome == .succeeded, "\(final.error ?? "")")
        try await fixture.expectConverged(store)
        let all = try await fixture.allQueueOrders(store)
        #expect(Set(all.map(\.externalOrderId)).count == all.count)
    }

    @Test func aLargeBackfillCausesNoQuotaViolations() async throws {
        // A small quota with a short window: the pacer must wait for resets several times.
        let fixture = try await SyncFixture.make(quota: 4, window: .milliseconds(300))
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("q1", orders: 2_500, seed: 6)
        let report = await fixture.syncer(store).runPass()
        #expect(report.outcome == .succeeded, "\(report.error ?? "")")
        try await fixture.expectConverged(store)
        #expect(report.requestsUsed >= 8)  // 7 listing pages + /v2/time, across several quota windows
        #expect(try await fixture.sandbox.state.quotaViolations(store: "q1") == 0)
    }

    @Test func aRevokedTokenMarksTheStoreAndStopsIt() async throws {
        let fixture = try await SyncFixture.make()
        defer { Task { await fixture.tearDown() } }
        let store = try await fixture.addStore("rv1", orders: 20)
        try await fixture.sandbox.state.revokeToken(try #require(fixture.token("rv1")))
        let report = await fixture.syncer(store).runPass()
        #expect(report.outcome == .needsReauthorization)
        #expect(try await fixture.database.store(id: store.id)?.state == .needsReauthorization)
        #expect(try await fixture.database.syncRuns(storeId: store.id).first?.error?.contains("401") == true)
        #expect(await fixture.syncer(store).runPass().outcome == .skipped)
    }
}
