import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

/// Resolution applied to the queue (issue 6, Configure SKUs): on import, on update, and when
/// rules or the catalog change. Real SQLite, Given/When/Then.
@Suite struct ResolutionTests {
    @Test(arguments: TestEngine.allCases) func anOrderWithAnUnknownSKUIsImportedHeldOnceACatalogIsLoaded(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given a catalog without SKU-1
            let store = try await seedStore(database)
            try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "W-1")])
            // When an order with SKU-1 is imported
            let result = try await database.upsertImportedOrder(storeId: store.id, importedOrder("1"), now: t0)
            // Then it is held, naming the SKU, and the history says so
            let order = try #require(try await database.order(id: result.orderId))
            #expect(order.state == .held)
            #expect(order.holdReason == "mapping: unresolved SKU 'SKU-1'")
            let events = try await database.events(forOrder: order.id)
            #expect(events.map(\.kind) == [.imported])
            #expect(events.first?.toState == .held)
        }
    }

    @Test(arguments: TestEngine.allCases) func aRuleChangeReleasesWhatItWasHoldingButNeverAnOperatorsHold(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "W-1")])
            let heldByMapping = try await database.upsertImportedOrder(storeId: store.id, importedOrder("1"), now: t0).orderId
            let heldByOperator = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("2", holdReason: "address problem"), now: t0).orderId

            try await database.setSKURule(storeId: store.id, storeSKU: "SKU-1", .map(warehouseSKU: "W-1", quantity: 2), now: at(1))
            let result = try await database.reevaluateHeldOrders(storeId: store.id, actor: EventActor(rawValue: "operator"), now: at(1))

            #expect(result.released == [heldByMapping])
            #expect(result.stillHeld.isEmpty)
            #expect(try await database.order(id: heldByMapping)?.state == .ready)
            #expect(try await database.order(id: heldByMapping)?.holdReason == nil)
            #expect(try await database.order(id: heldByOperator)?.state == .held)
            #expect(try await database.order(id: heldByOperator)?.holdReason == "address problem")
            let last = try #require(try await database.events(forOrder: heldByMapping).last)
            #expect(last.kind == .resolved)
            #expect(last.fromState == .held && last.toState == .ready)
        }
    }

    @Test(arguments: TestEngine.allCases) func aStillUnresolvedOrderKeepsItsHoldWithAnUpToDateReason(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "W-1")])
            let id = try await database.upsertImportedOrder(storeId: store.id, importedOrder("1"), now: t0).orderId
            try await database.setSKURule(storeId: store.id, storeSKU: "SKU-1", .kit([KitComponent(warehouseSKU: "W-1", quantity: 1), KitComponent(warehouseSKU: "W-2", quantity: 1)]))
            let result = try await database.reevaluateHeldOrders(storeId: store.id, actor: .sync)
            #expect(result.stillHeld == [id])
            #expect(try await database.order(id: id)?.holdReason?.contains("'W-2'") == true)
            // The catalog gains W-2: a catalog-wide re-evaluation releases it.
            try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "W-1"), CatalogItemRecord(warehouseSku: "W-2")])
            #expect(try await database.reevaluateHeldOrders(storeId: nil, actor: .sync).released == [id])
        }
    }

    @Test(arguments: TestEngine.allCases) func anUnmappedShippingMethodHoldsUnderTheHoldPolicyAndAMappingReleases(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            let counts = try await database.commitPass(
                storeId: store.id, kind: .full, upserts: [importedOrder("1")], watermark: t0, unmappedShipping: .hold, now: t0)
            #expect(counts.new == 1)
            let order = try #require(try await database.order(storeId: store.id, externalOrderId: "1"))
            #expect(order.state == .held)
            #expect(order.holdReason == "mapping: unmapped shipping method 'Free Shipping'")

            try await database.setShippingRule(storeId: store.id, storeMethod: "FREE SHIPPING", serviceCode: "GROUND")
            #expect(try await database.reevaluateHeldOrders(storeId: store.id, unmappedShipping: .hold, actor: .sync).released == [order.id])
            let rules = try await database.resolutionRules(storeId: store.id, unmappedShipping: .hold)
            #expect(SKUResolver.resolve(order.payload, rules: rules).serviceCode == "GROUND")
        }
    }

    @Test(arguments: TestEngine.allCases) func anUpdateThatNoLongerResolvesHoldsAReadyOrderAndAFixedOneIsReleased(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            try await database.replaceCatalog([CatalogItemRecord(warehouseSku: "SKU-1")])
            var changed = importedOrder("1", modified: at(10))
            changed.payload.lines[0].sku = "SKU-X"
            try await database.upsertImportedOrder(storeId: store.id, changed, now: at(10))
            let held = try #require(try await database.order(storeId: store.id, externalOrderId: "1"))
            #expect(held.state == .held)
            #expect(held.holdReason == "mapping: unresolved SKU 'SKU-X'")

            changed.dateModified = at(20)
            changed.payload.lines[0].sku = "SKU-1"
            try await database.upsertImportedOrder(storeId: store.id, changed, now: at(20))
            let fixed = try #require(try await database.order(id: held.id))
            #expect(fixed.state == .ready)
            #expect(try await database.events(forOrder: held.id).map(\.kind) == [.imported, .updated, .held, .updated, .resolved])
        }
    }
}
