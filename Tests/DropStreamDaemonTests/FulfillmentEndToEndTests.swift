import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Testing

/// Issue 6, warehouse side, end to end: the built dropstreamd and dropstreamctl against an
/// in-process sandbox store. Each test has its own sandbox, state directory and daemon.
@Suite struct FulfillmentEndToEndTests {
    func withWorld(
        orders: Int, lines: Int = 2, config: [String: String] = [:], addressIDOffset: Int = 0,
        _ body: (FulfillmentWorld) async throws -> Void
    ) async throws {
        let world = try await FulfillmentWorld(orders: orders, lines: lines, config: config, addressIDOffset: addressIDOffset)
        do {
            try await body(world)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }

    func claim(_ world: FulfillmentWorld, worker: String, limit: Int = 1, extra: [String] = []) async throws -> ClaimResponse {
        try await world.ctlJSON(["queue", "claim", "--worker", worker, "--limit", String(limit)] + extra, as: ClaimResponse.self)
    }

    @Test func claimThenShipLeavesExactlyOneShipmentInTheStoreAndTheOrderShipped() async throws {
        try await withWorld(orders: 1) { world in
            let claimed = try await claim(world, worker: "picker-1")
            let order = try #require(claimed.orders.first)
            let source = world.sandboxOrders[0]
            #expect(order.storeOrderId == String(source.id))
            #expect(order.store == FulfillmentWorld.storeName)
            #expect(order.lines.map(\.lineId) == source.lines.map { String($0.id) })
            #expect(order.lines.map(\.sku) == source.lines.map(\.sku))
            #expect(order.shipTo?.addressId == String(source.shippingAddresses[0].id))

            let shipped = try await world.ctlJSON(
                ["orders", "ship", String(order.id), "--tracking", "1Z999AA10123456784", "--carrier", "ups", "--worker", "picker-1"],
                as: ShipResponse.self)
            #expect(shipped.created)
            #expect(shipped.order.state == "shipped")

            let detail = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            let inStore = try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id)
            #expect(inStore.count == 1)
            #expect(inStore.first?.trackingNumber == "1Z999AA10123456784")
            #expect(inStore.first?.shippingProvider == "ups")
            #expect(detail.shipments.first?.storeShipmentId == inStore.first.map { String($0.id) })
            let storeOrder = try await world.sandbox.state.order(store: FulfillmentWorld.storeHash, id: source.id)
            #expect(storeOrder?.statusID == SandboxOrderStatus.shipped)
            // The history says who did what.
            // (The sync engine polls this store too; its later "seen again" updates are not the point here.)
            let kinds = detail.events.map { "\($0.kind)/\($0.actor)" }.filter { $0 != "updated/sync" }
            #expect(kinds == ["imported/sync", "claimed/worker:picker-1", "shipped/worker:picker-1", "shipment_delivered/pusher"])

            // Confirming the same shipment again changes nothing, and nothing more reaches the store.
            let again = try await world.ctlJSON(
                ["orders", "ship", String(order.id), "--tracking", "1Z999AA10123456784", "--carrier", "ups"], as: ShipResponse.self)
            #expect(!again.created)
            #expect(again.shipment.id == shipped.shipment.id)
            #expect(try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id).count == 1)
        }
    }

    @Test func partialShipmentThenTheRest() async throws {
        try await withWorld(orders: 1) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            let source = world.sandboxOrders[0]
            let first = order.lines[0].lineId
            let partial = try await world.ctlJSON(
                ["orders", "ship", String(order.id), "--tracking", "T-PART-1", "--carrier", "fedex", "--items", "\(first):1"],
                as: ShipResponse.self)
            #expect(partial.order.state == "claimed")
            #expect(partial.order.quantityShipped == 1)
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await world.sandbox.state.order(store: FulfillmentWorld.storeHash, id: source.id)?.statusID == SandboxOrderStatus.partiallyShipped)

            // Over-shipping a line is refused locally, before anything reaches the store.
            let over = try await world.ctl(["orders", "ship", String(order.id), "--tracking", "T-X", "--carrier", "fedex", "--items", "\(first):2"])
            #expect(over.status == 1)
            #expect(over.stderr.contains("has 1 left to ship"))

            let rest = try await world.ctlJSON(["orders", "ship", String(order.id), "--tracking", "T-PART-2", "--carrier", "fedex"], as: ShipResponse.self)
            #expect(rest.order.state == "shipped")
            #expect(rest.shipment.items.map(\.quantity).reduce(0, +) == 3)
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 2)
            let inStore = try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id)
            #expect(inStore.map(\.trackingNumber) == ["T-PART-1", "T-PART-2"])
            #expect(try await world.sandbox.state.order(store: FulfillmentWorld.storeHash, id: source.id)?.statusID == SandboxOrderStatus.shipped)
        }
    }

    @Test func anExpiredLeaseReturnsTheOrderToTheQueue() async throws {
        try await withWorld(orders: 1) { world in
            let order = try #require(try await claim(world, worker: "slow", extra: ["--lease", "1s"]).orders.first)
            try await eventually("the lease expires and the rescuer returns the order") {
                try await world.orderDetail(order.id).order.state == "ready"
            }
            let detail = try await world.orderDetail(order.id)
            // The sync engine also runs against this store, so later events may follow.
            let last = try #require(detail.events.last { $0.kind == "lease_expired" })
            #expect(last.actor == "rescuer")
            #expect(last.detail["worker"] == "slow")
            // The worker's heartbeat now reports the order as lost.
            let heartbeat = try await world.ctl(["queue", "heartbeat", "--worker", "slow", String(order.id)])
            #expect(heartbeat.status == 1)
            #expect(heartbeat.stdout.contains("LOST"))
            // And another worker can claim it.
            #expect(try await claim(world, worker: "fast").orders.map(\.id) == [order.id])
        }
    }

    @Test func manyConcurrentClaimsNeverHandOneOrderToTwoWorkers() async throws {
        let orders = 40
        try await withWorld(orders: orders, lines: 1) { world in
            let responses = try await withThrowingTaskGroup(of: ClaimResponse.self) { group in
                for worker in 0..<12 {
                    group.addTask { try await claim(world, worker: "w\(worker)", limit: 5) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let ids = responses.flatMap { $0.orders.map(\.id) }
            #expect(ids.count == orders, "12 workers × 5 covers all \(orders) orders")
            #expect(Set(ids).count == ids.count, "an order was handed to two workers")
            // The database agrees with what each worker was told.
            for response in responses {
                for order in response.orders {
                    #expect(try await world.orderDetail(order.id).order.claimedBy == response.worker)
                }
            }
            #expect(try await claim(world, worker: "late").orders.isEmpty)
        }
    }

    @Test func aTimeoutAfterTheStoreAcceptedTheShipmentStillLeavesExactlyOne() async throws {
        // The sandbox creates the shipment, then delays the answer past the client's timeout.
        try await withWorld(orders: 1, config: ["bigcommerce.request_timeout": "500ms"]) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            let source = world.sandboxOrders[0]
            _ = await world.sandbox.state.injectFault(SandboxFault(
                .latency(.seconds(3)), trigger: .nextRequests(1), store: FulfillmentWorld.storeHash, endpoint: .createShipment))
            _ = try await world.ctlJSON(["orders", "ship", String(order.id), "--tracking", "AMB-1", "--carrier", "usps"], as: ShipResponse.self)
            let detail = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            let inStore = try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id)
            #expect(inStore.count == 1)
            #expect(detail.shipments.first?.storeShipmentId == inStore.first.map { String($0.id) })
            #expect(world.daemonLog.contains("adopted"))
        }
    }

    @Test func aResetBeforeTheStoreProcessedItIsRetriedOnce() async throws {
        try await withWorld(orders: 1) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            let source = world.sandboxOrders[0]
            _ = await world.sandbox.state.injectFault(SandboxFault(
                .connectionReset, trigger: .nextRequests(1), store: FulfillmentWorld.storeHash, endpoint: .createShipment))
            _ = try await world.ctlJSON(["orders", "ship", String(order.id), "--tracking", "RST-1", "--carrier", "usps"], as: ShipResponse.self)
            let detail = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id).count == 1)
            #expect((detail.shipments.first?.attempts ?? 0) >= 2)
        }
    }

    @Test func aStoreRejectionFailsTheShipmentWithTheReasonAndRetryDeliversItOnceFixed() async throws {
        // The imported address id is off by 1000, so the store refuses the shipment (400).
        try await withWorld(orders: 1, addressIDOffset: 1000) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            let source = world.sandboxOrders[0]
            _ = try await world.ctlJSON(["orders", "ship", String(order.id), "--tracking", "REJ-1", "--carrier", "ups"], as: ShipResponse.self)
            let failed = try await world.waitForShipments(of: order.id, toBe: "failed", count: 1)
            let shipment = try #require(failed.shipments.first)
            #expect(shipment.lastError?.contains("400") == true)
            #expect(shipment.lastError?.contains("order_address_id") == true)
            #expect(failed.events.contains { $0.kind == "shipment_failed" })
            let shown = try await world.ctl(["orders", "show", String(order.id)])
            #expect(shown.stdout.contains("failed"))

            // The merchant fixes the address in the store; the operator retries.
            let fixedID = source.shippingAddresses[0].id + 1000
            _ = try await world.sandbox.state.editOrder(store: FulfillmentWorld.storeHash, id: source.id) { order in
                let old = order.shippingAddresses[0].id
                order.shippingAddresses[0].id = fixedID
                for i in order.lines.indices where order.lines[i].orderAddressID == old { order.lines[i].orderAddressID = fixedID }
            }
            let retried = try await world.ctl(["shipments", "retry", String(shipment.id)])
            #expect(retried.status == 0, "\(retried.stderr)")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await world.sandbox.state.shipments(store: FulfillmentWorld.storeHash, orderID: source.id).count == 1)
        }
    }

    @Test func shippingAnOrderCancelledInTheStoreNeedsForce() async throws {
        try await withWorld(orders: 1) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            // What the sync engine records when the store cancels a claimed order.
            let database = try SQLiteStorage.open(path: world.databasePath)
            _ = try await database.cancelOrder(storeId: world.storeId, StoreSideCancellation(
                externalOrderID: order.storeOrderId, storeStatusID: 5, dateModified: Date(), reason: "cancelled in store"))
            let refused = try await world.ctl(["orders", "ship", String(order.id), "--tracking", "C-1", "--carrier", "ups"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("cancelled in the store"))
            #expect(try await world.orderDetail(order.id).shipments.isEmpty)
            let forced = try await world.ctlJSON(
                ["orders", "ship", String(order.id), "--tracking", "C-1", "--carrier", "ups", "--force"], as: ShipResponse.self)
            #expect(forced.order.state == "shipped")
        }
    }

    @Test func releaseHoldUnholdAndListing() async throws {
        try await withWorld(orders: 2) { world in
            let order = try #require(try await claim(world, worker: "w").orders.first)
            let released = try await world.ctlJSON(["orders", "release", String(order.id)], as: OrderSummary.self)
            #expect(released.state == "ready")
            let held = try await world.ctlJSON(["orders", "hold", String(order.id), "--reason", "address check"], as: OrderSummary.self)
            #expect(held.state == "held")
            #expect(held.holdReason == "address check")
            let heldList = try await world.ctlJSON(["orders", "list", "--state", "held"], as: OrderListResponse.self)
            #expect(heldList.orders.map(\.id) == [order.id])
            let table = try await world.ctl(["orders", "list", "--store", FulfillmentWorld.storeName, "--since", "1h"])
            #expect(table.status == 0)
            #expect(table.stdout.contains("held: address check"))
            let unheld = try await world.ctlJSON(["orders", "unhold", String(order.id)], as: OrderSummary.self)
            #expect(unheld.state == "ready")
            let missing = try await world.ctl(["orders", "show", "999999"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("No order with id 999999") || missing.stderr.contains("no order with id 999999"))
        }
    }
}
