import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The claim flip (DESIGN §2 step 7): on claim, the store's order status is set to the store's
// claim status (default Awaiting Shipment, 9), and put back to the import status when a flipped
// order leaves its claim without shipping. Migration "v2".
//
// The transitions only write intentions into the `storeStatusChange` outbox, in their own
// transaction (the claim stays one UPDATE ... RETURNING plus two small statements); the shipment
// pusher sends them after commit, in the same per-store sequence as shipments. The rules that
// make races impossible live here, next to the transitions:
// - confirming a shipment supersedes the order's open claim flip in the same transaction, and
//   ``beginStoreStatusChange(_:now:)`` refuses a claim flip once the order has any shipment or
//   is no longer claimed: a flip is never sent after a shipment was queued;
// - the pusher sends changes and shipments of one store one at a time, so a flip in flight is
//   answered before that order's shipment is sent;
// - leaving a claim (release, hold, lease expiry) supersedes an unsent flip, and queues a
//   restore when a flip may have reached the store (`flippedStoreStatusId`);
// - the store is read before each change: a change is made only from the expected status, so an
//   order the merchant cancelled or moved meanwhile is never touched.

extension SQLiteStorage {
    /// Store status changes the pusher should work on now: `pending` ones due at `now`, and
    /// `sending` ones (left by a crash: looked at again). Oldest first.
    public func storeStatusChangesDue(now: Date = Date(), limit: Int = 200) async throws -> [StoreStatusChangeRecord] {
        try await writer.read { db in
            try StoreStatusChangeRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM storeStatusChange
                    WHERE state = 'sending' OR (state = 'pending' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?))
                    ORDER BY id LIMIT ?
                    """,
                arguments: [now, limit])
        }
    }

    /// The store status changes of one order, oldest first.
    public func storeStatusChanges(forOrder orderId: Int64) async throws -> [StoreStatusChangeRecord] {
        try await writer.read { db in
            try StoreStatusChangeRecord.filter(StoreStatusChangeRecord.Columns.orderId == orderId)
                .order(StoreStatusChangeRecord.Columns.id).fetchAll(db)
        }
    }

    /// Checks that a change is still wanted and marks it `sending` (counting the attempt), in one
    /// transaction; for a claim flip it also records `flippedStoreStatusId` before any request
    /// can reach the store, so the sync engine recognises the flip from then on.
    ///
    /// Returns nil, and marks the change `superseded` with the reason, when it became moot: a
    /// claim flip whose order is no longer claimed, has a shipment, or whose store's claim
    /// status changed; a restore whose order is claimed again, shipped or cancelled.
    public func beginStoreStatusChange(_ changeId: Int64, now: Date = Date()) async throws -> StoreStatusChangeWork? {
        try await writer.write { db in
            guard let change = try StoreStatusChangeRecord.fetchOne(db, key: changeId) else {
                throw StorageError.invalidArgument("No store status change with id \(changeId).")
            }
            guard change.state == .pending || change.state == .sending else { return nil }
            let order = try Self.fetchOrder(db, change.orderId)
            guard let store = try StoreRecord.fetchOne(db, key: order.storeId) else {
                throw StorageError.storeNotFound("with id \(order.storeId)")
            }
            var moot: String?
            switch change.purpose {
            case .claim:
                if order.state != .claimed {
                    moot = "the order is \(order.state.rawValue) now"
                } else if try ShipmentRecord.filter(ShipmentRecord.Columns.orderId == order.id).fetchCount(db) > 0 {
                    moot = "a shipment was confirmed"
                } else if store.claimStatusId != change.targetStatusId {
                    moot = store.claimStatusId == nil ? "the store's claim status was turned off" : "the store's claim status changed"
                }
            case .restore:
                if order.state != .ready && order.state != .held { moot = "the order is \(order.state.rawValue) now" }
            }
            if let moot {
                try db.execute(
                    sql: "UPDATE storeStatusChange SET state = 'superseded', note = ?, nextAttemptAt = NULL, updatedAt = ? WHERE id = ?",
                    arguments: [moot, now, changeId])
                return nil
            }
            try db.execute(
                sql: "UPDATE storeStatusChange SET state = 'sending', attempts = attempts + 1, updatedAt = ? WHERE id = ?",
                arguments: [now, changeId])
            var current = order
            if change.purpose == .claim {
                try db.execute(
                    sql: "UPDATE fulfillmentOrder SET flippedStoreStatusId = ? WHERE id = ?",
                    arguments: [change.targetStatusId, order.id])
                current.flippedStoreStatusId = change.targetStatusId
            }
            return StoreStatusChangeWork(
                change: try StoreStatusChangeRecord.fetchOne(db, key: changeId)!, order: current, store: store)
        }
    }

    /// Whether the change is still `sending` (not superseded meanwhile): checked right before
    /// the request that changes the store.
    public func isStoreStatusChangeSending(_ changeId: Int64) async throws -> Bool {
        try await writer.read { db in
            try StoreStatusChangeRecord.fetchOne(db, key: changeId)?.state == .sending
        }
    }

    /// Records how sending a change ended, with an order event for every outcome but a retry.
    ///
    /// A change superseded while its request was under way keeps its `superseded` state, but a
    /// request that did change the store is still recorded in the history. `detail` is added to
    /// the event (the status names, for the operator).
    @discardableResult
    public func finishStoreStatusChange(
        _ changeId: Int64, _ result: StoreStatusChangeResult, detail: [String: String] = [:], now: Date = Date()
    ) async throws -> StoreStatusChangeRecord {
        try await writer.write { db in
            guard let change = try StoreStatusChangeRecord.fetchOne(db, key: changeId) else {
                throw StorageError.invalidArgument("No store status change with id \(changeId).")
            }
            let open = change.state == .pending || change.state == .sending
            var eventDetail = detail
            eventDetail["changeId"] = String(changeId)
            eventDetail["purpose"] = change.purpose.rawValue
            eventDetail["statusId"] = String(change.targetStatusId)
            func event(_ kind: OrderEventKind) throws {
                try Self.appendEvent(db, orderId: change.orderId, kind: kind, from: nil, to: nil, actor: .pusher,
                                     detail: eventDetail, at: now)
            }
            switch result {
            case .done(let requestSent):
                if open {
                    try db.execute(
                        sql: "UPDATE storeStatusChange SET state = 'done', note = NULL, nextAttemptAt = NULL, updatedAt = ? WHERE id = ?",
                        arguments: [now, changeId])
                }
                if open || requestSent {
                    eventDetail["requestSent"] = String(requestSent)
                    try event(change.purpose == .claim ? .storeStatusSet : .storeStatusRestored)
                }
            case .skipped(let storeStatusId):
                guard open else { break }
                let note = "the store showed status \(storeStatusId), not \(change.expectedStatusId); left alone"
                try db.execute(
                    sql: "UPDATE storeStatusChange SET state = 'skipped', note = ?, nextAttemptAt = NULL, updatedAt = ? WHERE id = ?",
                    arguments: [note, now, changeId])
                // Whatever the store shows now is not our doing.
                try db.execute(sql: "UPDATE fulfillmentOrder SET flippedStoreStatusId = NULL WHERE id = ?", arguments: [change.orderId])
                eventDetail["storeStatusId"] = String(storeStatusId)
                try event(.storeStatusLeftAlone)
            case .retry(let error, let at):
                guard open else { break }
                try db.execute(
                    sql: "UPDATE storeStatusChange SET state = 'pending', note = ?, nextAttemptAt = ?, updatedAt = ? WHERE id = ?",
                    arguments: [error, at, now, changeId])
            case .failed(let error):
                guard open else { break }
                try db.execute(
                    sql: "UPDATE storeStatusChange SET state = 'failed', note = ?, nextAttemptAt = NULL, updatedAt = ? WHERE id = ?",
                    arguments: [error, now, changeId])
                eventDetail["error"] = error
                try event(.storeStatusFailed)
            }
            return try StoreStatusChangeRecord.fetchOne(db, key: changeId)!
        }
    }

    // MARK: Building blocks for the transitions' transactions

    /// Queues the claim flip for just-claimed orders whose store has a claim status (other than
    /// its import status), superseding any open change of those orders (a restore not sent yet:
    /// the flip wants the store where it is).
    static func queueClaimFlips(_ db: Database, orderIds: [Int64], now: Date) throws {
        guard !orderIds.isEmpty else { return }
        let ids = try JSONText.encode(orderIds)
        try db.execute(
            sql: """
                UPDATE storeStatusChange SET state = 'superseded', note = 'the order was claimed again', nextAttemptAt = NULL,
                  updatedAt = :now
                WHERE state IN ('pending', 'sending') AND orderId IN (SELECT value FROM json_each(:ids))
                """,
            arguments: ["now": now, "ids": ids])
        try db.execute(
            sql: """
                INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
                SELECT o.id, 'claim', s.importStatusId, s.claimStatusId, 'pending', :now, :now
                FROM fulfillmentOrder o JOIN store s ON s.id = o.storeId
                WHERE o.id IN (SELECT value FROM json_each(:ids))
                  AND s.claimStatusId IS NOT NULL AND s.claimStatusId <> s.importStatusId
                """,
            arguments: ["now": now, "ids": ids])
    }

    /// A shipment was confirmed: the order's open claim flip is moot (the store must never show
    /// the claim status after the shipment).
    static func supersedeStatusChangesForShipment(_ db: Database, orderId: Int64, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE storeStatusChange SET state = 'superseded', note = 'a shipment was confirmed', nextAttemptAt = NULL,
                  updatedAt = ?
                WHERE orderId = ? AND state IN ('pending', 'sending')
                """,
            arguments: [now, orderId])
    }

    /// A claimed order left its claim without shipping (`order` as it was while claimed): an
    /// unsent flip is dropped, and when a flip may have reached the store the import status is
    /// queued to be put back (not for a cancelled order: the store cancelled it).
    static func statusChangesAfterClaimEnded(
        _ db: Database, _ order: FulfillmentOrderRecord, to state: OrderState, now: Date
    ) throws {
        try db.execute(
            sql: """
                UPDATE storeStatusChange SET state = 'superseded', note = ?, nextAttemptAt = NULL, updatedAt = ?
                WHERE orderId = ? AND state IN ('pending', 'sending')
                """,
            arguments: ["the claim ended (\(state.rawValue))", now, order.id])
        guard state == .ready || state == .held, let flipped = order.flippedStoreStatusId,
              let store = try StoreRecord.fetchOne(db, key: order.storeId), flipped != store.importStatusId
        else { return }
        try db.execute(
            sql: """
                INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
                VALUES (?, 'restore', ?, ?, 'pending', ?, ?)
                """,
            arguments: [order.id, flipped, store.importStatusId, now, now])
    }
}
