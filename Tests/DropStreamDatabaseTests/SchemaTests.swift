import DropStreamCore
import Foundation
import GRDB
import Testing

@testable import DropStreamSQLite
import DropStreamStorage

/// Each invariant of DESIGN §4 that lives in the schema, proven by trying to break it with raw SQL.
@Suite struct SchemaTests {
    @Test func frozenStateListsMatchTheEnums() {
        // If this fails, an enum gained or lost a case: the v1 CHECK constraints no longer match.
        // Do NOT edit SchemaV1; append a migration that rebuilds the affected tables.
        #expect(SchemaV1.orderStates == OrderState.allCases.map(\.rawValue))
        #expect(SchemaV1.storeStates == StoreState.allCases.map(\.rawValue))
        #expect(SchemaV1.platforms == Platform.allCases.map(\.rawValue))
        #expect(SchemaV1.shipmentStates == ShipmentState.allCases.map(\.rawValue))
        #expect(SchemaV1.syncPassKinds == SyncPassKind.allCases.map(\.rawValue))
        #expect(SchemaV1.syncRunOutcomes == SyncRunOutcome.allCases.map(\.rawValue))
        #expect(SchemaV1.skuRuleKinds == SKURuleKind.allCases.map(\.rawValue))
    }

    @Test func everyDesignTableExists() async throws {
        try await withDatabase { database in
            let tables = try await database.writer.read { db in
                try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
            }
            for table in ["store", "credential", "syncCursor", "fulfillmentOrder", "orderEvent", "skuRule",
                          "catalogItem", "shipment", "syncRun"] {
                #expect(tables.contains(table), "missing table \(table)")
            }
        }
    }

    @Test func secondOrderWithTheSameStoreOrderIdIsRefused() async throws {
        try await withDatabase { database in
            // Given a store with order "1"
            let store = try await seedStore(database, orders: 1)
            // When a second row for the same store order is inserted behind the API's back
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    INSERT INTO fulfillmentOrder (storeId, externalOrderId, state, storeStatusId, dateModified, payload,
                      createdAt, updatedAt) VALUES (?, '1', 'ready', 11, ?, '{}', ?, ?)
                    """, [store.id, t0, t0, t0])
            }
            // Then the UNIQUE constraint refuses it
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
        }
    }

    @Test func sameStoreOrderIdInAnotherStoreIsFine() async throws {
        try await withDatabase { database in
            let acme = try await seedStore(database, name: "acme", orders: 1)
            let other = try await seedStore(database, name: "other", orders: 1)
            #expect(try await database.order(storeId: acme.id, externalOrderId: "1") != nil)
            #expect(try await database.order(storeId: other.id, externalOrderId: "1") != nil)
        }
    }

    @Test func orderStateOutsideTheClosedSetIsRefused() async throws {
        try await withDatabase { database in
            let store = try await seedStore(database, orders: 1)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE fulfillmentOrder SET state = 'lost' WHERE storeId = ?", [store.id])
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func storeStateOutsideTheClosedSetIsRefused() async throws {
        try await withDatabase { database in
            try await seedStore(database)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE store SET state = 'sleeping'")
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func orderForAMissingStoreIsRefused() async throws {
        try await withDatabase { database in
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    INSERT INTO fulfillmentOrder (storeId, externalOrderId, state, storeStatusId, dateModified, payload,
                      createdAt, updatedAt) VALUES (4242, '1', 'ready', 11, ?, '{}', ?, ?)
                    """, [t0, t0, t0])
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY)
        }
    }

    @Test func eventForAMissingOrderIsRefused() async throws {
        try await withDatabase { database in
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "INSERT INTO orderEvent (orderId, at, kind, actor) VALUES (4242, ?, 'x', 'sync')", [t0])
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY)
        }
    }

    @Test func claimedWithoutALeaseIsRefused() async throws {
        try await withDatabase { database in
            let store = try await seedStore(database, orders: 1)
            // claimed, but no worker and no expiry
            let noLease = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE fulfillmentOrder SET state = 'claimed' WHERE storeId = ?", [store.id])
            }
            #expect(noLease?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            // a worker but no expiry
            let noExpiry = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    UPDATE fulfillmentOrder SET state = 'claimed', claimedBy = 'w1', claimedAt = ? WHERE storeId = ?
                    """, [t0, store.id])
            }
            #expect(noExpiry?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            // a lease on an order that is not claimed
            let leaseWhileReady = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    UPDATE fulfillmentOrder SET claimedBy = 'w1', claimedAt = ?, leaseExpiresAt = ? WHERE storeId = ?
                    """, [t0, t0, store.id])
            }
            #expect(leaseWhileReady?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func heldWithoutAReasonIsRefused() async throws {
        try await withDatabase { database in
            try await seedStore(database, orders: 1)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE fulfillmentOrder SET state = 'held'")
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func importStatusOutsideZeroToFourteenIsRefused() async throws {
        try await withDatabase { database in
            try await seedStore(database)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE store SET importStatusId = 15")
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func credentialRefusesTextInsteadOfCiphertext() async throws {
        try await withDatabase { database in
            let store = try await seedStore(database)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, """
                    INSERT INTO credential (storeId, ciphertext, nonce, keyId, createdAt)
                    VALUES (?, 'plaintext-token', X'00', 'k', ?)
                    """, [store.id, t0])
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
            let columns = try await database.writer.read { db in try db.columns(in: "credential").map(\.name) }
            #expect(Set(columns) == ["storeId", "ciphertext", "nonce", "keyId", "createdAt"])
        }
    }

    @Test func duplicateShipmentIdempotencyKeyIsRefused() async throws {
        try await withDatabase { database in
            let store = try await seedStore(database, orders: 1)
            let order = try #require(try await database.order(storeId: store.id, externalOrderId: "1"))
            let insert = """
                INSERT INTO shipment (orderId, idempotencyKey, state, trackingNumber, carrier, items, createdAt, updatedAt)
                VALUES (?, 'key-1', 'pending', 'T', 'ups', '[]', ?, ?)
                """
            try await execute(database, insert, [order.id, t0, t0])
            let error = await #expect(throws: DatabaseError.self) { try await execute(database, insert, [order.id, t0, t0]) }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE)
            let badState = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE shipment SET state = 'lost'")
            }
            #expect(badState?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func payloadMustBeJSON() async throws {
        try await withDatabase { database in
            try await seedStore(database, orders: 1)
            let error = await #expect(throws: DatabaseError.self) {
                try await execute(database, "UPDATE fulfillmentOrder SET payload = 'not json'")
            }
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_CHECK)
        }
    }

    @Test func claimQueryUsesAnIndex() async throws {
        try await withDatabase { database in
            let plans = try await database.writer.read { db in
                try ["", "AND storeId = 1"].map { storeFilter in
                    try Row.fetchAll(db, sql: """
                        EXPLAIN QUERY PLAN SELECT id FROM fulfillmentOrder WHERE state = 'ready' \(storeFilter)
                        ORDER BY createdAt, id LIMIT 10
                        """).map { $0["detail"] as String }.joined(separator: "\n")
                }
            }
            #expect(plans[0].contains("fulfillmentOrder_onStateCreatedAt"), "\(plans[0])")
            #expect(plans[1].contains("fulfillmentOrder_onStoreStateCreatedAt"), "\(plans[1])")
            for plan in plans { #expect(!plan.contains("TEMP B-TREE"), "the claim query sorts: \(plan)") }
        }
    }

    @Test func removingAStoreCascadesToWhatBelongsToIt() async throws {
        try await withDatabase { database in
            let store = try await seedStore(database, orders: 2)
            try await database.saveCredential(storeId: store.id, ciphertext: Data([1, 2]), nonce: Data([3]))
            try await execute(database, "UPDATE fulfillmentOrder SET state = 'cancelled'")
            try await database.removeStore(store.id)
            let counts = try await database.writer.read { db in
                try ["store", "credential", "fulfillmentOrder", "orderEvent"].map {
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)")!
                }
            }
            #expect(counts == [0, 0, 0, 0])
        }
    }
}
