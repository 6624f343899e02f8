import DropStreamCore
import Foundation
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

@Suite struct QueueTests {
    @Test(arguments: TestEngine.allCases) func claimTakesTheOldestReadyOrdersUnderALease(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given five ready orders, imported one second apart
            try await seedStore(database, orders: 5)
            // When a worker claims three
            let claimed = try await database.claim(limit: 3, worker: "w1", lease: .seconds(600), now: at(100))
            // Then it gets the three oldest, claimed by it until now + lease, each with an event
            #expect(claimed.map(\.externalOrderId) == ["1", "2", "3"])
            for order in claimed {
                #expect(order.state == .claimed && order.claimedBy == "w1")
                #expect(order.claimedAt == at(100) && order.leaseExpiresAt == at(700))
                let events = try await database.events(forOrder: order.id)
                #expect(events.last?.kind == .claimed && events.last?.actor == .worker("w1"))
                #expect(events.last?.fromState == .ready && events.last?.toState == .claimed)
            }
            // And the next claim gets the rest, then nothing
            #expect(try await database.claim(limit: 10, worker: "w2", lease: .seconds(60), now: at(101))
                .map(\.externalOrderId) == ["4", "5"])
            #expect(try await database.claim(limit: 10, worker: "w3", lease: .seconds(60), now: at(102)).isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases) func claimCanBeLimitedToOneStore(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, name: "acme", orders: 2)
            let other = try await seedStore(database, name: "other", orders: 2)
            let claimed = try await database.claim(limit: 10, worker: "w", lease: .seconds(60), storeId: other.id)
            #expect(claimed.count == 2 && claimed.allSatisfy { $0.storeId == other.id })
        }
    }

    @Test(arguments: TestEngine.allCases) func claimRefusesNonsense(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            await #expect(throws: StorageError.self) { try await database.claim(limit: 0, worker: "w", lease: .seconds(1)) }
            await #expect(throws: StorageError.self) { try await database.claim(limit: 1, worker: "", lease: .seconds(1)) }
            await #expect(throws: StorageError.self) { try await database.claim(limit: 1, worker: "w", lease: .zero) }
        }
    }

    @Test(arguments: TestEngine.allCases) func concurrentClaimsNeverHandOutAnOrderTwice(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given 300 ready orders
            let store = try await seedStore(database)
            try await database.commitPass(
                storeId: store.id, kind: .full, upserts: (1...300).map { importedOrder("\($0)") }, watermark: nil)
            // When 12 workers claim in small batches at the same time until the queue is empty
            let perWorker = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for worker in 0..<12 {
                    group.addTask {
                        var mine: [Int64] = []
                        while true {
                            let batch = try await database.claim(limit: 7, worker: "w\(worker)", lease: .seconds(600))
                            if batch.isEmpty { return mine }
                            mine += batch.map(\.id)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // Then every order was handed out exactly once
            let all = perWorker.flatMap { $0 }
            #expect(all.count == 300)
            #expect(Set(all).count == 300)
            // And each order has exactly one claim event (written in its claim's transaction)
            var claimedEvents = 0
            for id in all {
                claimedEvents += try await database.events(forOrder: id).filter { $0.kind == .claimed }.count
            }
            #expect(claimedEvents == 300)
        }
    }

    @Test(arguments: TestEngine.allCases) func rescuerReturnsExpiredLeasesOnly(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given one order claimed with a short lease and one with a long lease
            try await seedStore(database, orders: 2)
            let short = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            let long = try await database.claim(limit: 1, worker: "w2", lease: .seconds(600), now: at(0))[0]
            // When the rescuer runs before any lease expired, nothing moves
            #expect(try await database.rescueExpiredLeases(now: at(59)).isEmpty)
            // When it runs after the short lease expired
            let rescued = try await database.rescueExpiredLeases(now: at(60))
            // Then only that order is back in the queue, with an event naming the worker
            #expect(rescued.map(\.id) == [short.id])
            #expect(rescued[0].state == .ready && rescued[0].claimedBy == nil && rescued[0].leaseExpiresAt == nil)
            #expect(try await database.order(id: long.id)?.state == .claimed)
            let event = try #require(try await database.events(forOrder: short.id).last)
            #expect(event.kind == .leaseExpired && event.actor == .rescuer && event.detail?["worker"] == "w1")
            #expect(event.fromState == .claimed && event.toState == .ready)
            // And it can be claimed again
            #expect(try await database.claim(limit: 5, worker: "w3", lease: .seconds(60), now: at(61)).map(\.id) == [short.id])
        }
    }

    @Test(arguments: TestEngine.allCases) func heartbeatExtendsOnlyTheWorkersOwnLeases(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 2)
            let mine = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            let theirs = try await database.claim(limit: 1, worker: "w2", lease: .seconds(60), now: at(0))[0]
            let extended = try await database.extendLeases(
                orderIds: [mine.id, theirs.id], worker: "w1", lease: .seconds(300), now: at(50))
            #expect(extended.map(\.id) == [mine.id])
            #expect(extended[0].leaseExpiresAt == at(350))
            #expect(try await database.rescueExpiredLeases(now: at(100)).map(\.id) == [theirs.id])
        }
    }

    @Test(arguments: TestEngine.allCases) func releaseChecksTheWorker(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60))[0]
            await #expect(throws: StorageError.notClaimedByWorker(orderID: order.id, worker: "w2", claimedBy: "w1")) {
                try await database.release(order.id, worker: "w2", actor: .worker("w2"))
            }
            let released = try await database.release(order.id, worker: "w1", actor: .worker("w1"))
            #expect(released.state == .ready && released.claimedBy == nil)
            await #expect(throws: StorageError.invalidTransition(orderID: order.id, from: .ready, operation: "released")) {
                try await database.release(order.id, actor: .worker("w1"))
            }
        }
    }

    @Test(arguments: TestEngine.allCases) func holdAndUnhold(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            let held = try await database.hold(order.id, reason: "address problem", actor: .operator(uid: 1000), now: at(1))
            #expect(held.state == .held && held.holdReason == "address problem" && held.claimedBy == nil)
            // A held order is not claimable
            #expect(try await database.claim(limit: 1, worker: "w2", lease: .seconds(60)).isEmpty)
            let unheld = try await database.unhold(order.id, actor: .operator(uid: 1000), now: at(2))
            #expect(unheld.state == .ready && unheld.holdReason == nil)
            let events = try await database.events(forOrder: order.id)
            #expect(events.map(\.kind) == [.imported, .claimed, .held, .unheld])
            #expect(events[2].actor.rawValue == "operator:1000" && events[2].detail?["reason"] == "address problem")
            await #expect(throws: StorageError.self) { try await database.unhold(order.id, actor: .operator(uid: 0)) }
        }
    }

    @Test(arguments: TestEngine.allCases) func shipIsIdempotentAndQueuesAShipment(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            let confirmation = ShipmentConfirmation(
                idempotencyKey: "ship-1", trackingNumber: "1Z999", carrier: "ups",
                items: [ShipmentItem(lineID: "L1", quantity: 1)])
            let shipment = try await database.ship(order.id, confirmation, worker: "w1", actor: .worker("w1"), now: at(1))
            let again = try await database.ship(order.id, confirmation, worker: "w1", actor: .worker("w1"), now: at(2))
            #expect(again == shipment)
            #expect(shipment.state == .pending && shipment.items == [ShipmentItem(lineID: "L1", quantity: 1)])
            let shipped = try #require(try await database.order(id: order.id))
            #expect(shipped.state == .shipped && shipped.claimedBy == nil)
            #expect(try await database.events(forOrder: order.id).map(\.kind) == [.imported, .claimed, .shipped])
            // The pusher's life of the shipment
            #expect(try await database.shipmentsToPush(now: at(3)).map(\.id) == [shipment.id])
            let pushing = try await database.markShipmentPushing(shipment.id, now: at(3))
            #expect(pushing.state == .pushing && pushing.attempts == 1)
            let retry = try await database.markShipmentFailed(shipment.id, error: "timeout", retryAt: at(60), now: at(4))
            #expect(retry.state == .pending)
            #expect(try await database.shipmentsToPush(now: at(5)).isEmpty)
            #expect(try await database.shipmentsToPush(now: at(60)).map(\.id) == [shipment.id])
            let delivered = try await database.markShipmentDelivered(shipment.id, externalShipmentId: "bc-77", now: at(61))
            #expect(delivered.state == .delivered && delivered.externalShipmentId == "bc-77")
            #expect(try await database.events(forOrder: order.id).last?.kind == .shipmentDelivered)
            await #expect(throws: StorageError.self) { try await database.markShipmentPushing(shipment.id) }
        }
    }

    @Test(arguments: TestEngine.allCases) func partialShipmentKeepsTheClaim(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60))[0]
            try await database.ship(
                order.id,
                ShipmentConfirmation(idempotencyKey: "p1", trackingNumber: "T1", carrier: "ups",
                                     items: [ShipmentItem(lineID: "L1", quantity: 1)]),
                completesOrder: false, actor: .worker("w1"))
            #expect(try await database.order(id: order.id)?.state == .claimed)
            #expect(try await database.shipments(forOrder: order.id).count == 1)
        }
    }

    @Test(arguments: TestEngine.allCases) func shippingAnOrderCancelledInTheStoreNeedsForce(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            try await database.cancelOrder(
                storeId: store.id,
                StoreSideCancellation(externalOrderID: "1", storeStatusID: 5, dateModified: at(10), reason: "cancelled"))
            let confirmation = ShipmentConfirmation(
                idempotencyKey: "s", trackingNumber: "T", carrier: "ups", items: [ShipmentItem(lineID: "L1", quantity: 1)])
            await #expect(throws: StorageError.cancelledInStore(orderID: order.id)) {
                try await database.ship(order.id, confirmation, actor: .worker("w1"))
            }
            let shipment = try await database.ship(order.id, confirmation, force: true, actor: .operator(uid: 0))
            #expect(shipment.state == .pending)
        }
    }

    @Test(arguments: TestEngine.allCases) func failedShipmentCanBeRetriedByAnOperator(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60))[0]
            let shipment = try await database.ship(
                order.id,
                ShipmentConfirmation(idempotencyKey: "s", trackingNumber: "T", carrier: "ups",
                                     items: [ShipmentItem(lineID: "L1", quantity: 1)]),
                actor: .worker("w1"))
            let failed = try await database.markShipmentFailed(shipment.id, error: "422 invalid address id", retryAt: nil)
            #expect(failed.state == .failed && failed.lastError == "422 invalid address id")
            #expect(try await database.events(forOrder: order.id).last?.kind == .shipmentFailed)
            #expect(try await database.retryShipment(shipment.id).state == .pending)
        }
    }
}

@Suite struct QueueEdgeTests {
    @Test(arguments: TestEngine.allCases) func expiredLeaseOfAnOrderCancelledInTheStoreEndsCancelled(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            try await database.cancelOrder(
                storeId: store.id,
                StoreSideCancellation(externalOrderID: "1", storeStatusID: 4, dateModified: at(5), reason: "refunded"),
                now: at(6))
            let rescued = try await database.rescueExpiredLeases(now: at(61))
            #expect(rescued.map(\.state) == [.cancelled])
            #expect(try await database.claim(limit: 1, worker: "w2", lease: .seconds(60), now: at(62)).isEmpty)
            #expect(try await database.events(forOrder: order.id).last?.toState == .cancelled)
        }
    }

    @Test(arguments: TestEngine.allCases) func storeChangesToAShippedOrderAreRecordedOnly(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database, orders: 1)
            let order = try await database.claim(limit: 1, worker: "w1", lease: .seconds(60), now: at(0))[0]
            try await database.ship(
                order.id,
                ShipmentConfirmation(idempotencyKey: "k", trackingNumber: "T", carrier: "ups",
                                     items: [ShipmentItem(lineID: "L1", quantity: 1)]),
                actor: .worker("w1"), now: at(1))
            let result = try await database.upsertImportedOrder(
                storeId: store.id, importedOrder("1", modified: at(10), status: 2, quantity: 9), now: at(11))
            #expect(result.change == .terminal)
            let after = try #require(try await database.order(id: order.id))
            #expect(after.state == .shipped && after.storeStatusId == 2 && after.payload.lines.first?.quantity == 1)
        }
    }

    @Test(arguments: TestEngine.allCases) func nonTransitionEventsCanBeRecorded(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            try await seedStore(database, orders: 1)
            let order = try #require(try await database.orders().first)
            try await database.recordOrderEvent(order.id, kind: .error, actor: .pusher, detail: ["error": "503"], now: at(5))
            let last = try #require(try await database.events(forOrder: order.id).last)
            #expect(last.kind == .error && last.fromState == nil && last.toState == nil && last.detail == ["error": "503"])
            await #expect(throws: StorageError.orderNotFound(999)) {
                try await database.recordOrderEvent(999, kind: .error, actor: .pusher)
            }
        }
    }
}
