import BigCommerceSandbox
import DropStreamControl
import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Testing

/// The claim flip (DESIGN §2 step 7, issue 6) end to end: the built dropstreamd and
/// dropstreamctl against an in-process sandbox store. On claim the store's order goes to the
/// store's claim status (Awaiting Shipment, 9); it never goes back to it after a shipment, even
/// when the flip is slowed or failing; a released flipped order gets its import status back and
/// stays `ready` through sync passes and a daemon restart.
@Suite struct ClaimFlipEndToEndTests {
    static let hash = FulfillmentWorld.storeHash

    func withWorld(
        _ seeding: FulfillmentWorld.Seeding = .importedQueue(orders: 1, lines: 2, addressIDOffset: 0),
        config: [String: String] = [:], _ body: (FulfillmentWorld) async throws -> Void
    ) async throws {
        let world = try await FulfillmentWorld(seeding: seeding, config: config)
        do {
            try await body(world)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }

    func setClaimStatus(_ world: FulfillmentWorld, _ status: String) async throws -> StoreDetail {
        try await world.ctlJSON(["store", "set", FulfillmentWorld.storeName, "--claim-status", status], as: StoreDetail.self)
    }

    func claim(_ world: FulfillmentWorld, worker: String = "picker") async throws -> ClaimedOrder {
        let response = try await world.ctlJSON(["queue", "claim", "--worker", worker], as: ClaimResponse.self)
        return try #require(response.orders.first)
    }

    func ship(_ world: FulfillmentWorld, _ id: Int64, tracking: String) async throws {
        _ = try await world.ctlJSON(["orders", "ship", String(id), "--tracking", tracking, "--carrier", "ups"], as: ShipResponse.self)
    }

    func storeStatus(_ world: FulfillmentWorld, _ storeOrderID: Int) async throws -> Int? {
        try await world.sandbox.state.order(store: Self.hash, id: storeOrderID)?.statusID
    }

    /// The sandbox's log of one order's status PUTs and shipment POSTs, in arrival order.
    func storeWrites(_ world: FulfillmentWorld, _ storeOrderID: Int) async -> (puts: [SandboxRequestRecord], posts: [SandboxRequestRecord]) {
        let log = await world.sandbox.state.requestLog().filter { $0.store == Self.hash }
        return (log.filter { $0.endpoint == SandboxEndpoint.updateOrder.name && $0.path.hasSuffix("/orders/\(storeOrderID)") },
                log.filter { $0.endpoint == SandboxEndpoint.createShipment.name && $0.path.hasSuffix("/orders/\(storeOrderID)/shipments") })
    }

    /// The invariant: no status PUT for the order reached the store after its first shipment POST.
    func expectNoFlipAfterTheShipment(_ world: FulfillmentWorld, _ storeOrderID: Int) async throws {
        let (puts, posts) = await storeWrites(world, storeOrderID)
        let firstPost = try #require(posts.first, "the shipment reached the store")
        #expect(puts.allSatisfy { $0.sequence < firstPost.sequence }, "a status PUT followed the shipment: \(puts.map(\.sequence)) vs \(firstPost.sequence)")
    }

    func changes(_ world: FulfillmentWorld, _ orderID: Int64) async throws -> [StoreStatusChangeRecord] {
        try await SQLiteStorage.open(path: world.databasePath).storeStatusChanges(forOrder: orderID)
    }

    func sync(_ world: FulfillmentWorld, full: Bool = false) async throws {
        let result = try await world.ctl(["store", "sync", FulfillmentWorld.storeName, "--wait"] + (full ? ["--full"] : []))
        #expect(result.status == 0, "store sync: \(result.stdout) \(result.stderr)")
    }

    // MARK: Claim, flip, ship

    @Test func aClaimFlipsTheStoreAndTheShipmentLeavesItShippedWithOneShipment() async throws {
        try await withWorld { world in
            #expect(try await setClaimStatus(world, "9").claimStatus?.id == 9)
            let order = try await claim(world)
            let source = world.sandboxOrders[0]
            try await eventually("the store shows Awaiting Shipment") { try await storeStatus(world, source.id) == 9 }
            try await eventually("the flip is in the order's history") {
                try await world.orderDetail(order.id).events.contains { $0.kind == "store_status_set" }
            }
            try await ship(world, order.id, tracking: "FLIP-1")
            let detail = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await storeStatus(world, source.id) == SandboxOrderStatus.shipped)
            #expect(try await world.sandbox.state.shipments(store: Self.hash, orderID: source.id).count == 1)
            try await expectNoFlipAfterTheShipment(world, source.id)
            let set = try #require(detail.events.first { $0.kind == "store_status_set" })
            #expect(set.detail["status"] == "Awaiting Shipment (9)")
            #expect(try await changes(world, order.id).map(\.state) == [.done])
            // One PUT for the flip.
            #expect(await storeWrites(world, source.id).puts.count == 1)
        }
    }

    @Test func aShipmentConfirmedWhileTheFlipReadsTheStoreStopsItBeforeAnyPut() async throws {
        try await withWorld { world in
            _ = try await setClaimStatus(world, "9")
            let source = world.sandboxOrders[0]
            // The flip's read of the order is slow: the warehouse ships meanwhile. The delay is
            // long so that, even on a loaded machine, the ship is confirmed before the read ends.
            _ = await world.sandbox.state.injectFault(SandboxFault(
                .latency(.seconds(12)), trigger: .nextRequests(1), store: Self.hash, endpoint: .getOrder))
            let order = try await claim(world)
            try await eventually("the pusher has begun the flip") { try await changes(world, order.id).first?.state == .sending }
            let began = ContinuousClock.now
            try await ship(world, order.id, tracking: "FLIP-2")
            try #require(ContinuousClock.now - began < .seconds(11), "the ship took too long to test the race")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1, timeout: .seconds(45))
            #expect(try await storeStatus(world, source.id) == SandboxOrderStatus.shipped)
            #expect(await storeWrites(world, source.id).puts.isEmpty, "no status PUT once the shipment was confirmed")
            #expect(try await changes(world, order.id).map(\.state) == [.superseded])
        }
    }

    @Test func aSlowFlipIsAnsweredBeforeTheShipmentIsSent() async throws {
        try await withWorld { world in
            _ = try await setClaimStatus(world, "9")
            let source = world.sandboxOrders[0]
            // The PUT lands at once but its answer takes 2 s; the warehouse ships in between.
            _ = await world.sandbox.state.injectFault(SandboxFault(
                .latency(.seconds(2)), trigger: .nextRequests(1), store: Self.hash, endpoint: .updateOrder))
            let order = try await claim(world)
            try await eventually("the flip's PUT reached the store") { await !storeWrites(world, source.id).puts.isEmpty }
            try await ship(world, order.id, tracking: "FLIP-3")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await storeStatus(world, source.id) == SandboxOrderStatus.shipped)
            #expect(try await world.sandbox.state.shipments(store: Self.hash, orderID: source.id).count == 1)
            try await expectNoFlipAfterTheShipment(world, source.id)
            // One sequence per store: the shipment went out only after the PUT was answered.
            let (puts, posts) = await storeWrites(world, source.id)
            let put = try #require(puts.first), post = try #require(posts.first)
            #expect(post.time - put.time >= 2, "the shipment was sent \(post.time - put.time) s after the PUT, inside its 2 s answer")
            #expect(puts.count == 1)
        }
    }

    @Test func aFailingFlipIsNeverRetriedAfterTheShipment() async throws {
        try await withWorld { world in
            _ = try await setClaimStatus(world, "9")
            let source = world.sandboxOrders[0]
            let fault = await world.sandbox.state.injectFault(SandboxFault(
                .serverError(status: 503), trigger: .probability(1.0), store: Self.hash, endpoint: .updateOrder))
            let order = try await claim(world)
            try await eventually("the flip was tried") { await !storeWrites(world, source.id).puts.isEmpty }
            try await ship(world, order.id, tracking: "FLIP-4")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            // The store works again: nothing may flip the shipped order now.
            await world.sandbox.state.removeFault(fault)
            try await eventually("the flip is superseded") { try await changes(world, order.id).last?.state == .superseded }
            // Superseded is terminal: nothing is left for the pusher to send for this order.
            #expect(try await SQLiteStorage.open(path: world.databasePath).storeStatusChangesDue(now: Date().addingTimeInterval(3600)).isEmpty)
            #expect(try await storeStatus(world, source.id) == SandboxOrderStatus.shipped)
            try await expectNoFlipAfterTheShipment(world, source.id)
        }
    }

    @Test func withTheFlipOffNothingIsPut() async throws {
        try await withWorld { world in
            _ = try await setClaimStatus(world, "9")
            let off = try await setClaimStatus(world, "off")
            #expect(off.claimStatus == nil)
            let order = try await claim(world)
            let source = world.sandboxOrders[0]
            // The claim's own transaction wrote no flip, so none can ever be sent.
            #expect(try await changes(world, order.id).isEmpty)
            try await ship(world, order.id, tracking: "OFF-1")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(await storeWrites(world, source.id).puts.isEmpty)
            #expect(try await storeStatus(world, source.id) == SandboxOrderStatus.shipped)
            let shown = try await world.ctl(["store", "show", FulfillmentWorld.storeName])
            #expect(shown.stdout.contains("Claim status:   off"))
        }
    }

    // MARK: Release, sync, restart

    @Test func aReleasedFlippedOrderGetsItsImportStatusBackAndStaysReadyThroughSyncAndRestart() async throws {
        try await withWorld(.syncBackfill(orders: 0, seed: 7, statusMix: .only(11))) { world in
            // A new order (seeded ones may carry a date_modified ahead of the store's clock,
            // which would hide a wrong hold behind the "older news" guard).
            _ = try await world.sandbox.state.createOrder(store: Self.hash, lines: [(sku: "SKU-R", quantity: 1)])
            try await sync(world)
            try await eventually("the sync queued the order") {
                try await world.ctlJSON(["orders", "list", "--state", "ready"], as: OrderListResponse.self).orders.count == 1
            }
            _ = try await setClaimStatus(world, "Awaiting Shipment")
            let order = try await claim(world)
            let storeOrderID = try #require(Int(order.storeOrderId))
            try await eventually("the store shows Awaiting Shipment") { try await storeStatus(world, storeOrderID) == 9 }

            // A sync pass while claimed and flipped: our own doing, the order stays claimed as it was.
            try await sync(world)
            var summary = try await world.orderDetail(order.id).order
            #expect(summary.state == "claimed" && !summary.changedAfterClaim && !summary.cancelledInStore)

            // The store refuses status changes for now, so the restore cannot land yet.
            let fault = await world.sandbox.state.injectFault(SandboxFault(
                .serverError(status: 503), trigger: .probability(1.0), store: Self.hash, endpoint: .updateOrder))
            let putsBefore = await storeWrites(world, storeOrderID).puts.count
            _ = try await world.ctlJSON(["orders", "release", String(order.id)], as: OrderSummary.self)
            try await eventually("the restore was tried") { await storeWrites(world, storeOrderID).puts.count > putsBefore }
            #expect(try await storeStatus(world, storeOrderID) == 9)

            // Passes that see the order in Awaiting Shipment while it waits in the queue: never held.
            try await sync(world)
            try await sync(world, full: true)
            #expect(try await world.orderDetail(order.id).order.state == "ready")
            // The flip is recognised from the database, not from memory: also after a crash.
            try await world.killDaemon()
            try await world.startDaemonAndWait()
            try await sync(world, full: true)
            #expect(try await world.orderDetail(order.id).order.state == "ready")

            // The store accepts changes again: the import status comes back, the order stays ready, once.
            await world.sandbox.state.removeFault(fault)
            try await eventually("the store shows Awaiting Fulfillment again", timeout: .seconds(40)) {
                try await storeStatus(world, storeOrderID) == 11
            }
            try await sync(world)
            let detail = try await world.orderDetail(order.id)
            summary = detail.order
            #expect(summary.state == "ready" && summary.holdReason == nil)
            #expect(detail.events.contains { $0.kind == "store_status_restored" })
            #expect(!detail.events.contains { $0.kind == "held" })
            let all = try await world.ctlJSON(["orders", "list"], as: OrderListResponse.self).orders
            #expect(all.filter { $0.storeOrderId == order.storeOrderId }.count == 1)
            #expect(try await changes(world, order.id).map(\.purpose) == [.claim, .restore])
            #expect(try await changes(world, order.id).last?.state == .done)

            // And it can be claimed, flipped and shipped again.
            let again = try await claim(world, worker: "second")
            #expect(again.id == order.id)
            try await eventually("the store shows Awaiting Shipment again") { try await storeStatus(world, storeOrderID) == 9 }
            try await ship(world, order.id, tracking: "AGAIN-1")
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)
            #expect(try await storeStatus(world, storeOrderID) == SandboxOrderStatus.shipped)
            try await expectNoFlipAfterTheShipment(world, storeOrderID)
        }
    }

    // MARK: Settings

    @Test func invalidClaimStatusesAreRefusedClearlyAndNothingIsWritten() async throws {
        try await withWorld { world in
            _ = try await setClaimStatus(world, "9")
            let name = FulfillmentWorld.storeName
            for (arguments, message) in [
                (["--claim-status", "Shipped"], "cannot be the claim status"),
                (["--claim-status", "11"], "cannot be the store's import status"),
                (["--claim-status", "Packing"], "is not an order status of this store"),
                (["--import-status", "9", "--claim-status", "9"], "cannot be the store's import status"),
                (["--import-status", "12", "--claim-status", "Cancelled"], "cannot be the claim status"),
            ] {
                let result = try await world.ctl(["store", "set", name] + arguments)
                #expect(result.status == 1, "\(arguments): \(result.stdout)")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
            }
            let store = try await world.ctlJSON(["store", "show", name], as: StoreDetail.self)
            #expect(store.claimStatus?.id == 9 && store.importStatus.id == 11)
            #expect(store.history?.filter { $0.kind == "claim_status_changed" }.count == 1)
            #expect(store.history?.contains { $0.kind == "import_status_changed" } == false)

            // A custom label works like the import status's.
            try await world.sandbox.state.setCustomStatusLabel(store: Self.hash, statusID: 8, label: "Ready for courier")
            #expect(try await setClaimStatus(world, "ready for courier").claimStatus?.id == 8)
            let shown = try await world.ctl(["store", "show", name])
            #expect(shown.stdout.contains("Claim status:   8 Awaiting Pickup"))
            let listed = try await world.ctlJSON(["store", "list"], as: StoreListResponse.self)
            #expect(listed.stores.first?.claimStatus?.id == 8)

            // Importing the status the store flips to turns the flip off, saying so.
            _ = try await setClaimStatus(world, "9")
            let importing9 = try await world.ctlJSON(["store", "set", name, "--import-status", "9"], as: StoreDetail.self)
            #expect(importing9.importStatus.id == 9 && importing9.claimStatus == nil)
            let history = try await world.ctlJSON(["store", "show", name], as: StoreDetail.self).history ?? []
            #expect(history.last { $0.kind == "claim_status_changed" }?.detail["reason"] == "the import status became the claim status")

            // A store added now gets queue.claim_status (Awaiting Shipment by default).
            _ = try await world.ctlJSON(["store", "add", "other", "--store-hash", "other2"], as: StoreDetail.self)
            #expect(try await world.ctlJSON(["store", "show", "other"], as: StoreDetail.self).claimStatus?.id == 9)
            // ... unless it imports that very status.
            _ = try await world.ctlJSON(["store", "add", "third", "--store-hash", "third3", "--import-status", "9"], as: StoreDetail.self)
            #expect(try await world.ctlJSON(["store", "show", "third"], as: StoreDetail.self).claimStatus == nil)
        }
    }

    @Test func queueClaimStatusOffAddsStoresWithoutTheFlip() async throws {
        try await withWorld(config: ["queue.claim_status": "off"]) { world in
            _ = try await world.ctlJSON(["store", "add", "other", "--store-hash", "other2"], as: StoreDetail.self)
            #expect(try await world.ctlJSON(["store", "show", "other"], as: StoreDetail.self).claimStatus == nil)
        }
    }
}
