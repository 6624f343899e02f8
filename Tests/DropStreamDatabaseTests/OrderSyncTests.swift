import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

@Suite struct OrderSyncTests {
    @Test(arguments: TestEngine.allCases) func newOrderEntersTheQueueOnceWithAnImportedEvent(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given a store
            let store = try await seedStore(database)
            // When the same order is upserted three times with the same modification time
            let first = try await database.upsertImportedOrder(storeId: store.id, importedOrder("100"), now: at(0))
            let second = try await database.upsertImportedOrder(storeId: store.id, importedOrder("100"), now: at(1))
            let third = try await database.upsertImportedOrder(storeId: store.id, importedOrder("100"), now: at(2))
            // Then it is in the queue once, ready, with one event
            #expect(first.change == .inserted)
            #expect(second == UpsertResult(orderId: first.orderId, change: .unchanged))
            #expect(third.change == .unchanged)
            let order = try #require(try await database.order(id: first.orderId))
            #expect(order.state == .ready)
            #expect(order.payload == samplePayload())
            #expect(order.dateModified == t0)
            let events = try await database.events(forOrder: order.id)
            #expect(events.map(\.kind) == [.imported])
            #expect(events.first?.toState == .ready && events.first?.fromState == nil)
            #expect(events.first?.actor == .sync)
            #expect(events.first?.detail?["storeStatusId"] == "11")
        }
    }

    @Test(arguments: TestEngine.allCases) func newOrderWithAHoldReasonEntersHeld(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            let result = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("7", holdReason: "unknown SKU X-1"))
            let order = try #require(try await database.order(id: result.orderId))
            #expect(order.state == .held && order.holdReason == "unknown SKU X-1")
            #expect(try await database.events(forOrder: order.id).map(\.toState) == [.held])
        }
    }

    @Test(arguments: TestEngine.allCases) func changeBeforeClaimReplacesThePayload(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            let inserted = try await database.upsertImportedOrder(storeId: store.id, importedOrder("1"), now: at(0))
            // A newer modification updates; an older one is stale and ignored
            let updated = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("1", modified: at(60), quantity: 3), now: at(61))
            let stale = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("1", modified: at(30), quantity: 9), now: at(62))
            #expect(updated.change == .updated)
            #expect(stale.change == .unchanged)
            let order = try #require(try await database.order(id: inserted.orderId))
            #expect(order.state == .ready)
            #expect(order.payload.lines.first?.quantity == 3)
            #expect(order.dateModified == at(60))
            #expect(try await database.events(forOrder: order.id).map(\.kind) == [.imported, .updated])
        }
    }

    @Test(arguments: TestEngine.allCases) func changeAfterClaimKeepsTheClaimAndFlagsIt(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let claimed = try await database.claim(limit: 1, worker: "w1", lease: .seconds(600), now: at(10))
            let result = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("1", modified: at(20), quantity: 5), now: at(21))
            #expect(result.change == .changedAfterClaim)
            let order = try #require(try await database.order(id: claimed[0].id))
            #expect(order.state == .claimed && order.claimedBy == "w1" && order.changedAfterClaim)
            #expect(order.payload.lines.first?.quantity == 5)
            let events = try await database.events(forOrder: order.id)
            #expect(events.map(\.kind) == [.imported, .claimed, .changedAfterClaim])
            #expect(events.last?.detail?["claimedBy"] == "w1")
        }
    }

    @Test(arguments: TestEngine.allCases) func cancellationBeforeClaimCancels(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let cancellation = StoreSideCancellation(
                externalOrderID: "1", storeStatusID: 5, dateModified: at(30), reason: "cancelled in store")
            let result = try await database.cancelOrder(storeId: store.id, cancellation, now: at(31))
            let order = try #require(try await database.order(storeId: store.id, externalOrderId: "1"))
            #expect(result == .cancelled(orderId: order.id))
            #expect(order.state == .cancelled && order.storeStatusId == 5)
            // Idempotent: the same news again changes nothing
            #expect(try await database.cancelOrder(storeId: store.id, cancellation, now: at(32)) == .unchanged(orderId: order.id))
            let events = try await database.events(forOrder: order.id)
            #expect(events.map(\.kind) == [.imported, .cancelled])
            #expect(events.last?.fromState == .ready && events.last?.toState == .cancelled)
            #expect(events.last?.detail == ["storeStatusId": "5", "reason": "cancelled in store"])
            // Unknown orders are not invented
            #expect(try await database.cancelOrder(
                storeId: store.id,
                StoreSideCancellation(externalOrderID: "404", storeStatusID: 5, dateModified: at(30), reason: "x"))
                == .unknownOrder)
        }
    }

    @Test(arguments: TestEngine.allCases) func cancellationWhileClaimedFlagsAndReleaseThenCancels(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(600), now: at(10))[0]
            let result = try await database.cancelOrder(
                storeId: store.id,
                StoreSideCancellation(externalOrderID: "1", storeStatusID: 5, dateModified: at(30), reason: "refunded"),
                now: at(31))
            #expect(result == .flaggedWhileClaimed(orderId: order.id))
            #expect(try await database.order(id: order.id)?.cancelledInStore == true)
            // Releasing a cancelled order does not put it back in the queue
            let released = try await database.release(order.id, worker: "w1", actor: .worker("w1"), now: at(40))
            #expect(released.state == .cancelled)
            #expect(try await database.events(forOrder: order.id).map(\.kind)
                == [.imported, .claimed, .cancelledInStore, .cancelled])
        }
    }

    @Test(arguments: TestEngine.allCases) func commitPassWritesOrdersAndWatermarkTogether(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            #expect(try await database.syncCursor(for: store.id) == nil)
            let counts = try await database.commitPass(
                storeId: store.id, kind: .full,
                upserts: [importedOrder("1"), importedOrder("2"), importedOrder("3", modified: at(5))],
                cancellations: [StoreSideCancellation(externalOrderID: "1", storeStatusID: 5, dateModified: at(9), reason: "x")],
                watermark: at(100), now: at(101))
            #expect(counts.seen == 4 && counts.new == 2 && counts.updated == 0 && counts.cancelled == 1)
            let cursor = try #require(try await database.syncCursor(for: store.id))
            #expect(cursor.watermark == at(100) && cursor.lastFullPassAt == at(100))
            // An incremental pass moves the watermark but keeps the last full pass time
            try await database.commitPass(storeId: store.id, kind: .incremental, upserts: [], watermark: at(200))
            let after = try #require(try await database.syncCursor(for: store.id))
            #expect(after.watermark == at(200) && after.lastFullPassAt == at(100))
        }
    }

    @Test(arguments: TestEngine.allCases) func failedCommitLeavesNeitherOrdersNorWatermark(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            // The second order carries a status the schema refuses: the whole pass must roll back
            await #expect(throws: (any Error).self) {
                try await database.commitPass(
                    storeId: store.id, kind: .full, upserts: [importedOrder("1"), importedOrder("2", status: 99)],
                    watermark: at(100))
            }
            #expect(try await database.orders().isEmpty)
            #expect(try await database.syncCursor(for: store.id) == nil)
        }
    }

    @Test(arguments: TestEngine.allCases) func statusSummaryCountsEveryState(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given an empty database, every state is present with zero
            let empty = try await database.statusSummary()
            #expect(empty.stores == Dictionary(uniqueKeysWithValues: StoreState.allCases.map { ($0, 0) }))
            #expect(empty.orders == Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0, 0) }))
            // Given two stores, one active, with orders in several states
            let acme = try await seedStore(database, name: "acme", orders: 4)
            let other = try await seedStore(database, name: "other", orders: 1)
            try await database.setStoreState(acme.id, to: .active)
            let claimed = try await database.claim(limit: 1, worker: "w", lease: .seconds(60), storeId: acme.id)
            try await database.hold(claimed[0].id + 1, reason: "address", actor: .operator(uid: 0))
            // When summarised
            let summary = try await database.statusSummary()
            // Then
            #expect(summary.stores[.active] == 1 && summary.stores[.awaitingAuthorization] == 1 && summary.stores[.paused] == 0)
            #expect(summary.orders == [.ready: 3, .held: 1, .claimed: 1, .shipped: 0, .cancelled: 0])
            #expect(summary.perStore.map(\.name) == ["acme", "other"])
            #expect(summary.perStore[0].orders == [.ready: 2, .held: 1, .claimed: 1, .shipped: 0, .cancelled: 0])
            #expect(summary.perStore[1].storeId == other.id)
            #expect(summary.perStore[1].orders[.ready] == 1 && summary.perStore[1].orders[.shipped] == 0)
        }
    }

    @Test(arguments: TestEngine.allCases) func ordersListFiltersByStoreStateAndTime(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let acme = try await seedStore(database, name: "acme", orders: 3)
            try await seedStore(database, name: "other", orders: 2)
            #expect(try await database.orders().count == 5)
            #expect(try await database.orders(store: acme.id).map(\.externalOrderId) == ["3", "2", "1"])
            #expect(try await database.orders(store: acme.id, limit: 1).map(\.externalOrderId) == ["3"])
            #expect(try await database.orders(state: .claimed).isEmpty)
            #expect(try await database.orders(store: acme.id, since: at(1)).map(\.externalOrderId) == ["3", "2"])
        }
    }

    @Test(arguments: TestEngine.allCases) func syncRunsAreRecorded(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            let run = try await database.startSyncRun(storeId: store.id, kind: .incremental, now: at(0))
            #expect(run.outcome == .running && run.finishedAt == nil)
            var counts = PassCounts()
            counts.seen = 3
            let finished = try await database.finishSyncRun(
                run.id, SyncRunResult(outcome: .succeeded, counts: counts, requestsUsed: 4, quotaLeft: 146), now: at(2))
            #expect(finished.outcome == .succeeded && finished.ordersSeen == 3 && finished.quotaLeft == 146)
            #expect(try await database.syncRuns(storeId: store.id) == [finished])
        }
    }

    @Test(arguments: TestEngine.allCases) func rulesAndCatalog(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            try await database.setSKURule(storeId: store.id, storeSKU: "A", .map(warehouseSKU: "W-A", quantity: 2))
            try await database.setSKURule(storeId: store.id, storeSKU: "K",
                                          .kit([KitComponent(warehouseSKU: "W-1", quantity: 1)]))
            try await database.setSKURule(storeId: store.id, storeSKU: "G", .ignore)
            let replaced = try await database.setSKURule(storeId: store.id, storeSKU: "A", .map(warehouseSKU: "W-B", quantity: 1))
            let rules = try await database.skuRules(storeId: store.id)
            #expect(rules.map(\.storeSku) == ["A", "G", "K"])
            #expect(rules[0] == replaced && replaced.warehouseSku == "W-B")
            #expect(rules[2].components == [KitComponent(warehouseSKU: "W-1", quantity: 1)])
            #expect(try await database.removeSKURule(storeId: store.id, storeSKU: "G"))
            try await database.setShippingRule(storeId: store.id, storeMethod: "Free Shipping", serviceCode: "UPS_GROUND")
            #expect(try await database.shippingRules(storeId: store.id).map(\.serviceCode) == ["UPS_GROUND"])
            #expect(try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "W-A"), CatalogItemRecord(warehouseSku: "W-B")]) == 2)
            #expect(try await database.catalogSKUs() == ["W-A", "W-B"])
        }
    }
}
