import BigCommerceSandbox
import DropStreamControl
import Foundation
import Testing

/// Issue 17, Review Order Status from the ctl, end to end with the built dropstreamd and
/// dropstreamctl against the in-process sandbox: `orders show` names what the warehouse will
/// pick (the same lines and service code `queue claim` returns) and the rules set since import;
/// `orders list`/`show` print the store's own status labels; event facts come in snake_case.
@Suite struct ReviewOrderStatusTests {
    func ok(_ world: FulfillmentWorld, _ arguments: [String]) async throws -> String {
        let result = try await world.ctl(arguments)
        #expect(result.status == 0, "dropstreamctl \(arguments): \(result.stderr)")
        return result.stdout
    }

    /// The raw `--json` document, to check the wire's key names themselves.
    func rawJSON(_ world: FulfillmentWorld, _ arguments: [String]) async throws -> [String: Any] {
        let stdout = try await ok(world, arguments + ["--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    }

    @Test func showNamesTheWarehouseLinesAndTheRulesSetSinceImport() async throws {
        try await FulfillmentWorld.with(orders: 1) { world in
            // Given an imported order, then rules for one of its SKUs and for its method
            let order = world.sandboxOrders[0]
            let method = try #require(order.shippingAddresses.first?.shippingMethod)
            let store = FulfillmentWorld.storeName
            let id = try #require(try await world.ctlJSON(["orders", "list"], as: OrderListResponse.self).orders.first?.id)
            let before = try await world.orderDetail(id)
            #expect(before.rulesChangedSinceImport == [])
            #expect(before.warehouseLines?.map(\.warehouseSku) == ["SKU-0-0", "SKU-0-1"])

            _ = try await ok(world, ["skus", "set", store, "SKU-0-0", "--warehouse-sku", "MUG", "--quantity", "3"])
            _ = try await ok(world, ["shipping", "map", store, method.uppercased(), "--service", "GROUND"])

            // When the operator looks at the order
            let detail = try await world.orderDetail(id)

            // Then it shows the lines after the rules, the service code and the changed rules
            let lineIDs = order.lines.map { String($0.id) }
            let expected = [
                WarehouseLineInfo(lineId: lineIDs[0], sku: "SKU-0-0", warehouseSku: "MUG", quantity: 6),
                WarehouseLineInfo(lineId: lineIDs[1], sku: "SKU-0-1", warehouseSku: "SKU-0-1", quantity: 2),
            ]
            #expect(detail.warehouseLines == expected)
            #expect(detail.serviceCode == "GROUND")
            #expect(detail.rulesChangedSinceImport?.map { "\($0.kind):\($0.key)" } == ["sku:SKU-0-0", "shipping:\(method.uppercased())"])
            let human = try await ok(world, ["orders", "show", String(id)])
            #expect(human.contains("WAREHOUSE LINES"))
            #expect(human.contains("MUG"))
            #expect(human.contains("Service code: GROUND"))
            #expect(human.contains("Rules changed since the order was imported: SKU rule 'SKU-0-0'"))

            // And exactly what the warehouse then gets from a claim
            let claimed = try await world.ctlJSON(["queue", "claim", "--worker", "w1"], as: ClaimResponse.self)
            #expect(claimed.orders.first?.warehouseLines == expected)
            #expect(claimed.orders.first?.serviceCode == "GROUND")
            #expect(try await ok(world, ["queue", "claim", "--worker", "w2"]).contains("Nothing to claim"))
        }
    }

    @Test func listAndShowPrintTheStoresOwnLabelAskingTheStoreOnce() async throws {
        try await FulfillmentWorld.with(orders: 2) { world in
            // Given a merchant who renamed Awaiting Fulfillment
            try await world.sandbox.state.setCustomStatusLabel(store: FulfillmentWorld.storeHash, statusID: 11, label: "Ready to pack")
            let statusReads = { await world.sandbox.state.requestCounts(store: FulfillmentWorld.storeHash)[.listOrderStatuses] ?? 0 }
            #expect(await statusReads() == 0)

            // When the operator lists and shows orders
            let table = try await ok(world, ["orders", "list"])
            let list = try await rawJSON(world, ["orders", "list"])
            let first = try #require((list["orders"] as? [[String: Any]])?.first)
            let id = try #require(first["id"] as? Int)
            let show = try await ok(world, ["orders", "show", String(id)])
            let detail = try await world.orderDetail(Int64(id))

            // Then the human output speaks the store's words, JSON has both names
            #expect(table.contains("Ready to pack"))
            #expect(!table.contains("Awaiting Fulfillment"))
            #expect(first["store_status"] as? String == "Awaiting Fulfillment")
            #expect(first["store_status_label"] as? String == "Ready to pack")
            #expect(first["store_status_id"] as? Int == 11)
            #expect(show.contains("Store status: Ready to pack (Awaiting Fulfillment, 11)"))
            #expect(detail.order.storeStatusLabel == "Ready to pack")

            // And the store was asked once for the four ctl calls, not once per call or order
            #expect(await statusReads() == 1)
        }
    }

    @Test func eventFactsComeInSnakeCaseBesideTheV1Detail() async throws {
        try await FulfillmentWorld.with(orders: 1) { world in
            let id = try #require(try await world.ctlJSON(["orders", "list"], as: OrderListResponse.self).orders.first?.id)
            let document = try await rawJSON(world, ["orders", "show", String(id)])
            let imported = try #require((document["events"] as? [[String: Any]])?.first { $0["kind"] as? String == "imported" })
            // /v1 readers keep the detail they knew; facts has the same in snake_case.
            let detail = try #require(imported["detail"] as? [String: String])
            let facts = try #require(imported["facts"] as? [String: String])
            #expect(detail["storeStatusId"] == "11")
            #expect(facts["store_status_id"] == "11")
            #expect(facts.keys.allSatisfy { $0 == $0.lowercased() })
            #expect(facts.count == detail.count)
            // The human history prints the snake_case form.
            #expect(try await ok(world, ["orders", "show", String(id)]).contains("store_status_id=11"))

            // A store's history too
            let storeDocument = try await rawJSON(world, ["store", "show", FulfillmentWorld.storeName])
            let history = try #require(storeDocument["history"] as? [[String: Any]])
            #expect(!history.isEmpty)
            for entry in history {
                let facts = try #require(entry["facts"] as? [String: String])
                #expect(facts.keys.allSatisfy { !$0.contains(where: \.isUppercase) }, "\(entry)")
            }
        }
    }

    @Test func snakeCaseKeysConvertsLikeTheEncoder() {
        #expect(ControlAPI.snakeCaseKeys(["storeStatusId": "1", "reason": "x", "claimStatusId": "off", "already_snake": "y", "URLPath": "z"])
            == ["store_status_id": "1", "reason": "x", "claim_status_id": "off", "already_snake": "y", "url_path": "z"])
    }
}
