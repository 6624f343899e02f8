import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import Foundation
import Testing

/// Issue 6, Configure SKUs and shipping methods, end to end: the built dropstreamd imports
/// sandbox orders through its sync engine, the operator configures rules and the catalog with
/// the built dropstreamctl, the warehouse claims over the socket.
@Suite struct SkuRulesEndToEndTests {
    func withWorld(config: [String: String] = [:], _ body: (FulfillmentWorld) async throws -> Void) async throws {
        var settings = ["sync.poll_interval": "1s"]
        settings.merge(config) { $1 }
        let world = try await FulfillmentWorld(orders: 0, config: settings)
        do {
            try await body(world)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }

    func ok(_ world: FulfillmentWorld, _ arguments: [String]) async throws -> String {
        let result = try await world.ctl(arguments)
        #expect(result.status == 0, "dropstreamctl \(arguments): \(result.stderr)")
        return result.stdout
    }

    /// Resumes the (seeded, paused) store so the sync engine imports, and waits for `count` orders.
    func importOrders(_ world: FulfillmentWorld, count: Int) async throws -> [OrderSummary] {
        _ = try await ok(world, ["store", "resume", FulfillmentWorld.storeName])
        var orders: [OrderSummary] = []
        try await eventually("\(count) orders imported", timeout: .seconds(30)) {
            orders = try await world.ctlJSON(["orders", "list"], as: OrderListResponse.self).orders
            return orders.count == count
        }
        return orders
    }

    @Test func mappingKitsIgnoreCatalogHoldsAndReleaseAfterARuleChange() async throws {
        try await withWorld { world in
            // Given a catalog and rules
            let csv = world.scratch.file("catalog.csv")
            try "sku,description\r\nW-A,Mug\r\n\"W-B\",\"Tea, \"\"green\"\"\"\r\n\r\n".write(toFile: csv, atomically: true, encoding: .utf8)
            #expect(try await ok(world, ["catalog", "import", csv]).contains("catalog loaded: 2 SKUs"))
            let catalog = try await world.ctlJSON(["catalog", "show"], as: CatalogResponse.self)
            #expect(catalog.items == [CatalogItemInfo(sku: "W-A", description: "Mug"), CatalogItemInfo(sku: "W-B", description: "Tea, \"green\"")])

            let store = FulfillmentWorld.storeName
            _ = try await ok(world, ["skus", "set", store, "PACK", "--warehouse-sku", "W-A", "--quantity", "3"])
            _ = try await ok(world, ["skus", "kit", store, "BOX", "--component", "W-A:1", "--component", "W-B:2"])
            _ = try await ok(world, ["skus", "ignore", store, "WRAP"])
            let table = try await ok(world, ["skus", "list", store])
            #expect(table.contains("PACK") && table.contains("W-A x3") && table.contains("W-A x1, W-B x2") && table.contains("ignore"))
            let listed = try await world.ctlJSON(["skus", "list", store], as: SKURuleListResponse.self)
            #expect(listed.rules.map(\.sku) == ["BOX", "PACK", "WRAP"])

            // When the store has one resolvable order and one with an unknown SKU
            let good = try await world.sandbox.state.createOrder(
                store: FulfillmentWorld.storeHash, lines: [(sku: "PACK", quantity: 2), (sku: "BOX", quantity: 2), (sku: "WRAP", quantity: 1)])
            let odd = try await world.sandbox.state.createOrder(
                store: FulfillmentWorld.storeHash, lines: [(sku: "PACK", quantity: 1), (sku: "ODD", quantity: 1)])
            let orders = try await importOrders(world, count: 2)

            // Then the unknown SKU holds its order with a reason naming it
            let held = try #require(orders.first { $0.storeOrderId == String(odd.id) })
            #expect(held.state == "held")
            #expect(held.holdReason?.contains("'ODD'") == true)
            let ready = try #require(orders.first { $0.storeOrderId == String(good.id) })
            #expect(ready.state == "ready")

            // And the claimed order carries warehouse SKUs and quantities
            let claimed = try await world.ctlJSON(["queue", "claim", "--worker", "w1", "--limit", "5"], as: ClaimResponse.self)
            #expect(claimed.orders.map(\.id) == [ready.id])
            let lineIDs = good.lines.map { String($0.id) }
            #expect(claimed.orders.first?.warehouseLines == [
                WarehouseLineInfo(lineId: lineIDs[0], sku: "PACK", warehouseSku: "W-A", quantity: 6),
                WarehouseLineInfo(lineId: lineIDs[1], sku: "BOX", warehouseSku: "W-A", quantity: 2),
                WarehouseLineInfo(lineId: lineIDs[1], sku: "BOX", warehouseSku: "W-B", quantity: 4),
            ])
            // The store's lines are still there, unchanged (never reshape a shipped field).
            #expect(claimed.orders.first?.lines.map(\.sku) == ["PACK", "BOX", "WRAP"])

            // When a rule resolves the unknown SKU, the held order is released with an event
            let output = try await ok(world, ["skus", "set", store, "ODD", "--warehouse-sku", "W-B"])
            #expect(output.contains("Released 1 held order that now resolve: \(held.id)"))
            let detail = try await world.orderDetail(held.id)
            #expect(detail.order.state == "ready")
            #expect(detail.events.last.map { "\($0.kind)/\($0.actor)" } == "resolved/operator:\(getuid())")

            // Removing a rule that does not exist is an error
            let missing = try await world.ctl(["skus", "remove", store, "NOT-A-RULE"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("no rule for SKU 'NOT-A-RULE'"))
            _ = try await ok(world, ["skus", "remove", store, "WRAP"])
            #expect(try await world.ctlJSON(["skus", "list", store], as: SKURuleListResponse.self).rules.count == 3)
        }
    }

    @Test func aMalformedCatalogIsRefusedWithItsLineNumberAndNothingChanges() async throws {
        try await withWorld { world in
            let csv = world.scratch.file("bad.csv")
            try "sku,description\nW-A,Mug\n\nW-A,again\n".write(toFile: csv, atomically: true, encoding: .utf8)
            let result = try await world.ctl(["catalog", "import", csv])
            #expect(result.status == 1)
            #expect(result.stderr.contains("line 4: SKU 'W-A' already appears on line 2"), "\(result.stderr)")

            try "item,description\nW-A\n".write(toFile: csv, atomically: true, encoding: .utf8)
            let header = try await world.ctl(["catalog", "import", csv])
            #expect(header.status == 1)
            #expect(header.stderr.contains("line 1: the header must be 'sku' or 'sku,description'"))

            try "sku\n\"W-A\n".write(toFile: csv, atomically: true, encoding: .utf8)
            #expect(try await world.ctl(["catalog", "import", csv]).stderr.contains("line 2: a quoted field is not closed"))
            #expect(try await ok(world, ["catalog", "show"]).contains("No catalog loaded"))
        }
    }

    @Test func anUnmappedShippingMethodHoldsUnderTheHoldPolicyAndMappingItReleases() async throws {
        try await withWorld(config: ["shipping.unmapped": "hold"]) { world in
            let store = FulfillmentWorld.storeName
            _ = try await world.sandbox.state.createOrder(store: FulfillmentWorld.storeHash, lines: [(sku: "A", quantity: 1)])
            let order = try #require(try await importOrders(world, count: 1).first)
            let detail = try await world.orderDetail(order.id)
            let method = try #require(detail.shippingMethod)
            #expect(order.state == "held")
            #expect(order.holdReason == "mapping: unmapped shipping method '\(method)'")
            #expect(try await ok(world, ["shipping", "list", store]).contains("Unmapped methods: hold"))

            // Methods match case-insensitively.
            let output = try await ok(world, ["shipping", "map", store, method.uppercased(), "--service", "GROUND"])
            #expect(output.contains("Released 1 held order"))
            let rules = try await world.ctlJSON(["shipping", "list", store], as: ShippingRuleListResponse.self)
            #expect(rules.rules.map(\.serviceCode) == ["GROUND"])
            #expect(rules.unmappedPolicy == "hold")

            let claimed = try await world.ctlJSON(["queue", "claim", "--worker", "w1"], as: ClaimResponse.self)
            #expect(claimed.orders.first?.serviceCode == "GROUND")
            #expect(claimed.orders.first?.shippingMethod == method)
        }
    }

    @Test func theDefaultServiceCodeAppliesToUnmappedMethods() async throws {
        try await withWorld(config: ["shipping.unmapped": "default:STD"]) { world in
            _ = try await world.sandbox.state.createOrder(store: FulfillmentWorld.storeHash, lines: [(sku: "A", quantity: 1)])
            let order = try #require(try await importOrders(world, count: 1).first)
            #expect(order.state == "ready")
            let claimed = try await world.ctlJSON(["queue", "claim", "--worker", "w1"], as: ClaimResponse.self)
            #expect(claimed.orders.first?.serviceCode == "STD")
            #expect(claimed.orders.first?.warehouseLines?.map(\.warehouseSku) == ["A"])
        }
    }
}
