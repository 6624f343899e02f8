import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The warehouse's side of the queue (DESIGN §2 flow 7, §7): claim under a lease, heartbeat,
// release, hold/unhold, ship; and the rescuer for expired leases (river's job rescuer).

extension SQLiteStorage {
    /// Atomically claims up to `limit` of the oldest `ready` orders (optionally of one store)
    /// for `worker`, with a lease of `lease`. Returns them oldest first.
    ///
    /// One `UPDATE ... WHERE id IN (SELECT ... LIMIT ?) RETURNING *` statement: SQLite runs it
    /// under the write lock, so no order is ever handed to two workers. Each claimed order gets
    /// its `claimed` event in the same transaction.
    public func claim(
        limit: Int, worker: String, lease: Duration, storeId: Int64? = nil, now: Date = Date()
    ) async throws -> [FulfillmentOrderRecord] {
        guard limit > 0 else { throw StorageError.invalidArgument("The claim limit must be positive (got \(limit)).") }
        guard lease > .zero else { throw StorageError.invalidArgument("The lease must be positive (got \(lease)).") }
        guard !worker.isEmpty else { throw StorageError.invalidArgument("The worker name must not be empty.") }
        let expiresAt = now.adding(lease)
        return try await writer.write { db in
            // `state = 'ready'` is a literal so the planner matches fulfillmentOrder_onStateCreatedAt
            // (or ..._onStoreStateCreatedAt with a store).
            let storeFilter = storeId == nil ? "" : "AND storeId = :storeId"
            var claimed = try FulfillmentOrderRecord.fetchAll(
                db,
                sql: """
                    UPDATE fulfillmentOrder
                    SET state = 'claimed', claimedBy = :worker, claimedAt = :now, leaseExpiresAt = :expiresAt,
                        changedAfterClaim = 0, updatedAt = :now
                    WHERE id IN (
                      SELECT id FROM fulfillmentOrder
                      WHERE state = 'ready' \(storeFilter)
                      ORDER BY createdAt, id
                      LIMIT :limit)
                    RETURNING *
                    """,
                arguments: ["worker": worker, "now": now, "expiresAt": expiresAt, "storeId": storeId, "limit": limit])
            // RETURNING does not promise an order.
            claimed.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            for order in claimed {
                try Self.appendEvent(
                    db, orderId: order.id, kind: .claimed, from: .ready, to: .claimed, actor: .worker(worker),
                    detail: ["leaseExpiresAt": expiresAt.databaseText], at: now)
            }
            // The claim flip: an outbox row per order whose store flips, sent after commit.
            try Self.queueClaimFlips(db, orderIds: claimed.map(\.id), now: now)
            return claimed
        }
    }

    /// Extends `worker`'s leases on these orders to `now + lease` (the heartbeat). Orders not
    /// claimed by `worker` are skipped. Not a transition, so no event (heartbeats would drown
    /// the history). Returns the orders whose lease was extended.
    public func extendLeases(
        orderIds: [Int64], worker: String, lease: Duration, now: Date = Date()
    ) async throws -> [FulfillmentOrderRecord] {
        guard lease > .zero else { throw StorageError.invalidArgument("The lease must be positive (got \(lease)).") }
        let expiresAt = now.adding(lease)
        return try await writer.write { db in
            try FulfillmentOrderRecord.fetchAll(
                db,
                sql: """
                    UPDATE fulfillmentOrder SET leaseExpiresAt = ?, updatedAt = ?
                    WHERE state = 'claimed' AND claimedBy = ? AND id IN (SELECT value FROM json_each(?))
                    RETURNING *
                    """,
                arguments: [expiresAt, now, worker, try JSONText.encode(orderIds)])
            .sorted { $0.id < $1.id }
        }
    }

    /// Returns every claimed order whose lease expired at or before `now` to the queue, with a
    /// `lease_expired` event — or to `cancelled` if the store cancelled it meanwhile. Returns
    /// the rescued orders as they are now.
    @discardableResult
    public func rescueExpiredLeases(now: Date = Date()) async throws -> [FulfillmentOrderRecord] {
        try await writer.write { db in
            typealias C = FulfillmentOrderRecord.Columns
            let expired = try FulfillmentOrderRecord
                .filter(C.state == OrderState.claimed.rawValue && C.leaseExpiresAt <= now)
                .fetchAll(db)
            var rescued: [FulfillmentOrderRecord] = []
            for order in expired {
                let to: OrderState = order.cancelledInStore ? .cancelled : .ready
                try Self.endClaim(db, order.id, to: to, now: now)
                try Self.statusChangesAfterClaimEnded(db, order, to: to, now: now)
                try Self.appendEvent(
                    db, orderId: order.id, kind: order.cancelledInStore ? .cancelled : .leaseExpired,
                    from: .claimed, to: to, actor: .rescuer,
                    detail: ["worker": order.claimedBy ?? "", "leaseExpiresAt": order.leaseExpiresAt?.databaseText ?? ""],
                    at: now)
                rescued.append(try FulfillmentOrderRecord.fetchOne(db, key: order.id)!)
            }
            return rescued
        }
    }

    /// Gives a claimed order back: to `ready`, or to `cancelled` if the store cancelled it while
    /// claimed. With `worker`, only that worker's claim may be released.
    @discardableResult
    public func release(
        _ orderId: Int64, worker: String? = nil, actor: EventActor, now: Date = Date()
    ) async throws -> FulfillmentOrderRecord {
        try await writer.write { db in
            let order = try Self.fetchOrder(db, orderId)
            guard order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "released")
            }
            if let worker, order.claimedBy != worker {
                throw StorageError.notClaimedByWorker(orderID: orderId, worker: worker, claimedBy: order.claimedBy)
            }
            let to: OrderState = order.cancelledInStore ? .cancelled : .ready
            try Self.endClaim(db, orderId, to: to, now: now)
            try Self.statusChangesAfterClaimEnded(db, order, to: to, now: now)
            try Self.appendEvent(
                db, orderId: orderId, kind: order.cancelledInStore ? .cancelled : .released, from: .claimed, to: to,
                actor: actor, detail: ["worker": order.claimedBy ?? ""], at: now)
            return try Self.fetchOrder(db, orderId)
        }
    }

    /// Sets a ready or claimed order aside for an operator, with a reason (a claim is dropped).
    @discardableResult
    public func hold(
        _ orderId: Int64, reason: String, actor: EventActor, now: Date = Date()
    ) async throws -> FulfillmentOrderRecord {
        guard !reason.isEmpty else { throw StorageError.invalidArgument("A hold needs a reason.") }
        return try await writer.write { db in
            let order = try Self.fetchOrder(db, orderId)
            guard order.state == .ready || order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "held")
            }
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET state = 'held', holdReason = ?, claimedBy = NULL, claimedAt = NULL,
                      leaseExpiresAt = NULL, updatedAt = ? WHERE id = ?
                    """,
                arguments: [reason, now, orderId])
            if order.state == .claimed { try Self.statusChangesAfterClaimEnded(db, order, to: .held, now: now) }
            try Self.appendEvent(db, orderId: orderId, kind: .held, from: order.state, to: .held, actor: actor,
                                 detail: ["reason": reason], at: now)
            return try Self.fetchOrder(db, orderId)
        }
    }

    /// Releases a held order back to the queue (`ready`), clearing its reason and flags.
    @discardableResult
    public func unhold(_ orderId: Int64, actor: EventActor, now: Date = Date()) async throws -> FulfillmentOrderRecord {
        try await writer.write { db in
            let order = try Self.fetchOrder(db, orderId)
            guard order.state == .held else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "unheld")
            }
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET state = 'ready', holdReason = NULL, changedAfterClaim = 0, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [now, orderId])
            try Self.appendEvent(db, orderId: orderId, kind: .unheld, from: .held, to: .ready, actor: actor,
                                 detail: ["reason": order.holdReason ?? ""], at: now)
            return try Self.fetchOrder(db, orderId)
        }
    }

    // MARK: Helpers

    static func fetchOrder(_ db: Database, _ orderId: Int64) throws -> FulfillmentOrderRecord {
        guard let order = try FulfillmentOrderRecord.fetchOne(db, key: orderId) else {
            throw StorageError.orderNotFound(orderId)
        }
        return order
    }

    /// Drops a claim, moving the order to `ready` or `cancelled`.
    static func endClaim(_ db: Database, _ orderId: Int64, to state: OrderState, now: Date) throws {
        try db.execute(
            sql: """
                UPDATE fulfillmentOrder SET state = ?, claimedBy = NULL, claimedAt = NULL, leaseExpiresAt = NULL,
                  changedAfterClaim = 0, updatedAt = ? WHERE id = ?
                """,
            arguments: [state, now, orderId])
    }
}
