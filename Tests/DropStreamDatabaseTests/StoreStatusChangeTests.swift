import DropStreamCore
import Foundation
import GRDB
import Testing

@testable import DropStreamSQLite
import DropStreamStorage
import DropStreamTestWorld

/// The claim flip's outbox (migration "v2") on both engines: which transitions queue, supersede
/// and restore store status changes, and the rules that keep a flip from ever following a
/// shipment. The tests that reach behind the API (a v1 SQLite file, raw SQL against the schema)
/// stay on SQLite.
@Suite struct StoreStatusChangeTests {
    /// A store flipping to 9 on claim, with `orders` ready orders.
    func flippingStore(_ database: any StorageEngine, orders: Int = 1, claimStatus: Int? = 9) async throws -> StoreRecord {
        let store = try await seedStore(database, orders: orders)
        return try await database.setClaimStatus(store.id, statusID: claimStatus)
    }

    func claimOne(_ database: any StorageEngine, now: Date = at(100)) async throws -> FulfillmentOrderRecord {
        try #require(try await database.claim(limit: 1, worker: "w", lease: .seconds(600), now: now).first)
    }

    @Test func frozenStateListsMatchTheEnums() {
        // If this fails, an enum gained or lost a case: the v2 CHECK constraints no longer match.
        #expect(SchemaV2.statusChangePurposes == StoreStatusChangePurpose.allCases.map(\.rawValue))
        #expect(SchemaV2.statusChangeStates == StoreStatusChangeState.allCases.map(\.rawValue))
    }

    @Test func aV1DatabaseWithAClaimedOrderMigratesToV2() async throws {
        try await withTemporaryDirectory { directory in
            // Given a database at "v1" with a store that flips and a claimed order (what a
            // daemon before the flip existed could leave, with claimStatusId set by hand)
            let path = directory + "/dropstream.sqlite"
            let queue = try DatabaseQueue(path: path)
            try SQLiteStorage.makeMigrator().migrate(queue, upTo: "v1")
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO store (name, platform, storeHash, state, importStatusId, claimStatusId, createdAt, updatedAt)
                    VALUES ('acme', 'bigcommerce', 'h', 'active', 11, 9, '2025-01-01', '2025-01-01');
                    INSERT INTO fulfillmentOrder (storeId, externalOrderId, state, storeStatusId, dateModified, payload,
                      claimedBy, claimedAt, leaseExpiresAt, createdAt, updatedAt)
                    VALUES (1, '100', 'claimed', 11, '2025-01-01', '{"lines":[]}', 'w', '2025-01-01', '2099-01-01',
                      '2025-01-01', '2025-01-01');
                    """)
            }
            try queue.close()
            // When this build opens it
            let database = try SQLiteStorage.open(path: path)
            // Then it is at v2, the order is unflipped and has no changes, and a release needs no restore
            #expect(try await database.schemaVersion().latestMigration == "v2")
            let order = try #require(try await database.order(storeId: 1, externalOrderId: "100"))
            #expect(order.flippedStoreStatusId == nil && order.state == .claimed)
            _ = try await database.release(order.id, actor: .rescuer)
            #expect(try await database.storeStatusChanges(forOrder: order.id).isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases) func aClaimQueuesOneFlipPerOrderOfAFlippingStoreOnly(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            // Given a flipping store and a store with the flip off, two orders each
            let flipping = try await flippingStore(database, orders: 2)
            let quiet = try await seedStore(database, name: "quiet", orders: 2)
            // When a worker claims all four
            let claimed = try await database.claim(limit: 10, worker: "w", lease: .seconds(60), now: at(100))
            #expect(claimed.count == 4)
            // Then each order of the flipping store has one pending flip 11 -> 9, the others none
            let due = try await database.storeStatusChangesDue(now: at(100))
            let flippingIds = Set(claimed.filter { $0.storeId == flipping.id }.map(\.id))
            #expect(Set(due.map(\.orderId)) == flippingIds)
            #expect(due.allSatisfy { $0.purpose == .claim && $0.state == .pending && $0.expectedStatusId == 11 && $0.targetStatusId == 9 })
            for order in claimed where order.storeId == quiet.id {
                #expect(try await database.storeStatusChanges(forOrder: order.id).isEmpty)
            }
        }
    }

    @Test(arguments: TestEngine.allCases) func beginningAFlipMarksItSendingAndRecordsTheFlippedStatusBeforeAnyRequest(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let change = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            let work = try #require(try await database.beginStoreStatusChange(change.id, now: at(101)))
            #expect(work.change.state == .sending && work.change.attempts == 1)
            #expect(work.order.flippedStoreStatusId == 9)
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == 9)
            #expect(try await database.isStoreStatusChangeSending(change.id))
            // A crash now leaves it `sending`: it is due again at once.
            #expect(try await database.storeStatusChangesDue(now: at(101)).map(\.id) == [change.id])
            // The sync engine sees the flag.
            let known = try await database.knownOrders(storeId: order.storeId, externalOrderIds: [order.externalOrderId])
            #expect(known[order.externalOrderId]?.flippedStoreStatusId == 9)
        }
    }

    @Test(arguments: TestEngine.allCases) func confirmingAShipmentSupersedesTheFlipEvenWhileItIsSending(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let change = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            _ = try await database.beginStoreStatusChange(change.id, now: at(101))
            // When the warehouse ships while the flip's request is under way
            _ = try await database.confirmShipment(order.id, trackingNumber: "T1", carrier: "ups", actor: .worker("w"), now: at(102))
            // Then the flip is superseded: the last look before the request says no, and it is never due again
            #expect(try await !database.isStoreStatusChangeSending(change.id))
            #expect(try await database.storeStatusChangesDue(now: at(200)).isEmpty)
            let changes = try await database.storeStatusChanges(forOrder: order.id)
            #expect(changes.map(\.state) == [.superseded])
            #expect(changes.first?.note == "a shipment was confirmed")
            // And a request that had landed is still recorded in the history, without reviving the change
            let finished = try await database.finishStoreStatusChange(change.id, .done(requestSent: true), now: at(103))
            #expect(finished.state == .superseded)
            #expect(try await database.events(forOrder: order.id).contains { $0.kind == .storeStatusSet })
        }
    }

    @Test func aFlipIsNeverBegunOnceTheOrderHasAShipment() async throws {
        try await withDatabase { database in
            let store = try await flippingStore(database, orders: 0)
            try await database.upsertImportedOrder(storeId: store.id, importedOrder("1", quantity: 2))
            let order = try await claimOne(database)
            let change = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            // A partial shipment keeps the order claimed, but the flip must not follow it.
            // (Put the flip back to pending behind the API's back, as if it had been read before the ship.)
            _ = try await database.confirmShipment(
                order.id, trackingNumber: "P1", carrier: "ups", items: [ShipmentItem(lineID: "L1", quantity: 1)],
                actor: .worker("w"), now: at(102))
            try await execute(database, "UPDATE storeStatusChange SET state = 'pending' WHERE id = ?", [change.id])
            #expect(try await database.order(id: order.id)?.state == .claimed)
            #expect(try await database.beginStoreStatusChange(change.id, now: at(103)) == nil)
            #expect(try await database.storeStatusChanges(forOrder: order.id).first?.note == "a shipment was confirmed")
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == nil)
        }
    }

    @Test(arguments: TestEngine.allCases) func releasingBeforeTheFlipWasSentDropsItWithoutARestore(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            _ = try await database.release(order.id, actor: .worker("w"), now: at(101))
            let changes = try await database.storeStatusChanges(forOrder: order.id)
            #expect(changes.map(\.state) == [.superseded])
            #expect(try await database.storeStatusChangesDue(now: at(200)).isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases) func leavingTheClaimAfterAFlipQueuesARestore(_ engine: TestEngine) async throws {
        // Release, operator hold and an expired lease all put the import status back.
        for exit in ["release", "hold", "expire"] {
            try await withStorage(engine) { database in
                _ = try await flippingStore(database)
                let order = try await claimOne(database)
                let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
                _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
                try await database.finishStoreStatusChange(flip.id, .done(requestSent: true), now: at(102))
                switch exit {
                case "release": _ = try await database.release(order.id, actor: .worker("w"), now: at(103))
                case "hold": _ = try await database.hold(order.id, reason: "check", actor: .worker("op"), now: at(103))
                default: _ = try await database.rescueExpiredLeases(now: at(10_000))
                }
                let restore = try #require(try await database.storeStatusChangesDue(now: at(10_001)).first, "\(exit)")
                #expect(restore.purpose == .restore && restore.orderId == order.id, "\(exit)")
                #expect(restore.expectedStatusId == 9 && restore.targetStatusId == 11, "\(exit)")
                // It is wanted while the order waits in the queue
                let work = try #require(try await database.beginStoreStatusChange(restore.id, now: at(10_001)), "\(exit)")
                #expect(work.order.state == (exit == "hold" ? .held : .ready))
                try await database.finishStoreStatusChange(restore.id, .done(requestSent: true), now: at(10_002))
                #expect(try await database.events(forOrder: order.id).contains { $0.kind == .storeStatusRestored }, "\(exit)")
            }
        }
    }

    @Test(arguments: TestEngine.allCases) func anOrderCancelledInTheStoreGetsNoRestore(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await flippingStore(database)
            let order = try await claimOne(database)
            let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
            try await database.finishStoreStatusChange(flip.id, .done(requestSent: true), now: at(102))
            _ = try await database.cancelOrder(storeId: store.id, StoreSideCancellation(
                externalOrderID: order.externalOrderId, storeStatusID: 5, dateModified: at(103), reason: "cancelled"))
            let released = try await database.release(order.id, actor: .worker("w"), now: at(104))
            #expect(released.state == .cancelled)
            #expect(try await database.storeStatusChangesDue(now: at(200)).isEmpty)
        }
    }

    @Test(arguments: TestEngine.allCases) func claimingAgainSupersedesAPendingRestoreAndQueuesANewFlip(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
            try await database.finishStoreStatusChange(flip.id, .done(requestSent: true), now: at(102))
            _ = try await database.release(order.id, actor: .worker("w"), now: at(103))
            _ = try await claimOne(database, now: at(104))
            let changes = try await database.storeStatusChanges(forOrder: order.id)
            #expect(changes.map(\.purpose) == [.claim, .restore, .claim])
            #expect(changes.map(\.state) == [.done, .superseded, .pending])
        }
    }

    @Test(arguments: TestEngine.allCases) func turningTheFlipOffOrChangingItDropsUnsentFlips(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await flippingStore(database, orders: 2)
            _ = try await database.claim(limit: 2, worker: "w", lease: .seconds(60), now: at(100))
            let due = try await database.storeStatusChangesDue(now: at(101))
            #expect(due.count == 2)
            _ = try await database.setClaimStatus(store.id, statusID: nil)
            #expect(try await database.beginStoreStatusChange(due[0].id, now: at(102)) == nil)
            _ = try await database.setClaimStatus(store.id, statusID: 8)
            #expect(try await database.beginStoreStatusChange(due[1].id, now: at(102)) == nil)
            let notes = try await database.storeStatusChanges(forOrder: due[0].orderId).map(\.note)
            #expect(notes == ["the store's claim status was turned off"])
        }
    }

    @Test(arguments: TestEngine.allCases) func outcomesAreRecordedWithEventsAndRetriesWaitTheirTurn(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            // A transient failure: pending again, not due before its time, no event
            _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
            let retried = try await database.finishStoreStatusChange(flip.id, .retry(error: "timeout", at: at(150)), now: at(102))
            #expect(retried.state == .pending && retried.note == "timeout" && retried.attempts == 1)
            #expect(try await database.storeStatusChangesDue(now: at(149)).isEmpty)
            #expect(try await database.storeStatusChangesDue(now: at(150)).map(\.id) == [flip.id])
            let eventsBefore = try await database.events(forOrder: order.id).count
            // The merchant moved the order meanwhile: left alone, the flag cleared, an event says why
            _ = try await database.beginStoreStatusChange(flip.id, now: at(150))
            let skipped = try await database.finishStoreStatusChange(flip.id, .skipped(storeStatusId: 1), now: at(151))
            #expect(skipped.state == .skipped && skipped.attempts == 2)
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == nil)
            let events = try await database.events(forOrder: order.id)
            #expect(events.count == eventsBefore + 1)
            #expect(events.last?.kind == .storeStatusLeftAlone && events.last?.actor == .pusher)
            #expect(events.last?.detail?["storeStatusId"] == "1")
        }
    }

    @Test(arguments: TestEngine.allCases) func aFailedChangeIsTerminalWithAnEvent(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
            let failed = try await database.finishStoreStatusChange(flip.id, .failed(error: "400 invalid status"), now: at(102))
            #expect(failed.state == .failed)
            #expect(try await database.storeStatusChangesDue(now: at(10_000)).isEmpty)
            let event = try #require(try await database.events(forOrder: order.id).last)
            #expect(event.kind == .storeStatusFailed && event.detail?["error"] == "400 invalid status")
            // The store may show the flip: the flag stays, so the sync never holds the order for it
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == 9)
        }
    }

    @Test(arguments: TestEngine.allCases) func theSyncClearsTheFlagOnlyOnANewerViewWithNothingOpen(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await flippingStore(database)
            let order = try await claimOne(database)
            let flip = try #require(try await database.storeStatusChangesDue(now: at(101)).first)
            _ = try await database.beginStoreStatusChange(flip.id, now: at(101))
            try await database.finishStoreStatusChange(flip.id, .done(requestSent: true), now: at(102))
            _ = try await database.release(order.id, actor: .worker("w"), now: at(103))
            // A newer view in the import status while the restore is still open keeps the flag
            try await database.upsertImportedOrder(storeId: store.id, importedOrder(order.externalOrderId, modified: at(110)))
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == 9)
            // Once the restore is done, the same view again changes nothing (not newer): still kept
            let restore = try #require(try await database.storeStatusChangesDue(now: at(120)).first)
            _ = try await database.beginStoreStatusChange(restore.id, now: at(120))
            try await database.finishStoreStatusChange(restore.id, .done(requestSent: true), now: at(121))
            try await database.upsertImportedOrder(storeId: store.id, importedOrder(order.externalOrderId, modified: at(110)))
            #expect(try await database.order(id: order.id)?.flippedStoreStatusId == 9)
            // A strictly newer view in the import status with nothing open clears it
            try await database.upsertImportedOrder(storeId: store.id, importedOrder(order.externalOrderId, modified: at(130)))
            let after = try #require(try await database.order(id: order.id))
            #expect(after.flippedStoreStatusId == nil && after.state == .ready)
        }
    }

    @Test func theSchemaAllowsOneOpenChangePerOrder() async throws {
        try await withDatabase { database in
            _ = try await flippingStore(database)
            let order = try await claimOne(database)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
                    VALUES (?, 'restore', 9, 11, 'pending', '2025-01-01', '2025-01-01')
                    """, [order.id])
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            // And a change must change something
            let same = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
                    VALUES (?, 'claim', 11, 11, 'done', '2025-01-01', '2025-01-01')
                    """, [order.id])
            }
            #expect(same?.resultCode == .SQLITE_CONSTRAINT)
        }
    }

    @Test(arguments: TestEngine.allCases) func aClaimStatusEqualToTheImportStatusIsRefusedAndNothingIsWritten(_ engine: TestEngine) async throws {
        try await withStorage(engine) { database in
            let store = try await seedStore(database)
            await #expect(throws: StorageError.self) { try await database.setClaimStatus(store.id, statusID: 11) }
            #expect(try await database.store(id: store.id)?.claimStatusId == nil)
            await #expect(throws: StorageError.self) {
                try await database.addStore(name: "b", platform: .bigcommerce, storeHash: "b", importStatusID: 9, claimStatusID: 9)
            }
            #expect(try await database.store(named: "b") == nil)
            let added = try await database.addStore(name: "c", platform: .bigcommerce, storeHash: "c", claimStatusID: 9)
            #expect(added.claimStatusId == 9)
        }
    }
}
