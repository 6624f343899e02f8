import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// The warehouse's side of the queue (DESIGN §4, §7). Claims take rows with `FOR UPDATE SKIP
// LOCKED` (River's and Oban's claim): concurrent claimers on other connections or other
// daemons skip the rows being claimed instead of waiting for them, and never get the same one.
// Every other transition locks its order row first (`FOR UPDATE`) and judges it locked.

extension PostgresStorage {
    public func claim(limit: Int, worker: String, lease: Duration, storeId: Int64?, now: Date) async throws
        -> [FulfillmentOrderRecord]
    {
        guard limit > 0 else { throw StorageError.invalidArgument("The claim limit must be positive (got \(limit)).") }
        guard lease > .zero else { throw StorageError.invalidArgument("The lease must be positive (got \(lease)).") }
        guard !worker.isEmpty else { throw StorageError.invalidArgument("The worker name must not be empty.") }
        let expiresAt = now.adding(lease)
        return try await write { db in
            // `state = 'ready'` is a literal so the planner matches fulfillmentOrder_onStateCreatedAt
            // (or ..._onStoreStateCreatedAt with a store).
            let query: PostgresQuery = storeId.map { storeId in
                """
                UPDATE fulfillmentOrder
                SET state = 'claimed', claimedBy = \(worker), claimedAt = \(now), leaseExpiresAt = \(expiresAt),
                    changedAfterClaim = false, updatedAt = \(now)
                WHERE id IN (
                  SELECT id FROM fulfillmentOrder WHERE state = 'ready' AND storeId = \(storeId)
                  ORDER BY createdAt, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING *
                """
            } ?? """
                UPDATE fulfillmentOrder
                SET state = 'claimed', claimedBy = \(worker), claimedAt = \(now), leaseExpiresAt = \(expiresAt),
                    changedAfterClaim = false, updatedAt = \(now)
                WHERE id IN (
                  SELECT id FROM fulfillmentOrder WHERE state = 'ready'
                  ORDER BY createdAt, id LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING *
                """
            var claimed = try await db.all(query, Row.order)
            // RETURNING does not promise an order.
            claimed.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
            for order in claimed {
                try await Self.appendEvent(
                    db, orderId: order.id, kind: .claimed, from: .ready, to: .claimed, actor: .worker(worker),
                    detail: ["leaseExpiresAt": expiresAt.databaseText], at: now)
            }
            try await Self.queueClaimFlips(db, orderIds: claimed.map(\.id), now: now)
            return claimed
        }
    }

    public func extendLeases(orderIds: [Int64], worker: String, lease: Duration, now: Date) async throws
        -> [FulfillmentOrderRecord]
    {
        guard lease > .zero else { throw StorageError.invalidArgument("The lease must be positive (got \(lease)).") }
        let expiresAt = now.adding(lease)
        return try await write { db in
            try await db.all(
                """
                UPDATE fulfillmentOrder SET leaseExpiresAt = \(expiresAt), updatedAt = \(now)
                WHERE state = 'claimed' AND claimedBy = \(worker) AND id = ANY(\(orderIds))
                RETURNING *
                """, Row.order
            ).sorted { $0.id < $1.id }
        }
    }

    public func rescueExpiredLeases(now: Date) async throws -> [FulfillmentOrderRecord] {
        try await write { db in
            // SKIP LOCKED: an order a worker is shipping or releasing right now is theirs to finish.
            let expired = try await db.all(
                """
                SELECT * FROM fulfillmentOrder WHERE state = 'claimed' AND leaseExpiresAt <= \(now)
                ORDER BY id FOR UPDATE SKIP LOCKED
                """, Row.order)
            var rescued: [FulfillmentOrderRecord] = []
            for order in expired {
                let to: OrderState = order.cancelledInStore ? .cancelled : .ready
                try await Self.endClaim(db, order.id, to: to, now: now)
                try await Self.statusChangesAfterClaimEnded(db, order, to: to, now: now)
                try await Self.appendEvent(
                    db, orderId: order.id, kind: order.cancelledInStore ? .cancelled : .leaseExpired,
                    from: .claimed, to: to, actor: .rescuer,
                    detail: ["worker": order.claimedBy ?? "", "leaseExpiresAt": order.leaseExpiresAt?.databaseText ?? ""],
                    at: now)
                rescued.append(try await Self.fetchOrder(db, order.id))
            }
            return rescued
        }
    }

    public func release(_ orderId: Int64, worker: String?, actor: EventActor, now: Date) async throws
        -> FulfillmentOrderRecord
    {
        try await write { db in
            let order = try await Self.fetchOrder(db, orderId, forUpdate: true)
            guard order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "released")
            }
            if let worker, order.claimedBy != worker {
                throw StorageError.notClaimedByWorker(orderID: orderId, worker: worker, claimedBy: order.claimedBy)
            }
            let to: OrderState = order.cancelledInStore ? .cancelled : .ready
            try await Self.endClaim(db, orderId, to: to, now: now)
            try await Self.statusChangesAfterClaimEnded(db, order, to: to, now: now)
            try await Self.appendEvent(
                db, orderId: orderId, kind: order.cancelledInStore ? .cancelled : .released, from: .claimed, to: to,
                actor: actor, detail: ["worker": order.claimedBy ?? ""], at: now)
            return try await Self.fetchOrder(db, orderId)
        }
    }

    public func hold(_ orderId: Int64, reason: String, actor: EventActor, now: Date) async throws
        -> FulfillmentOrderRecord
    {
        guard !reason.isEmpty else { throw StorageError.invalidArgument("A hold needs a reason.") }
        return try await write { db in
            let order = try await Self.fetchOrder(db, orderId, forUpdate: true)
            guard order.state == .ready || order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "held")
            }
            try await db.run(
                """
                UPDATE fulfillmentOrder SET state = 'held', holdReason = \(reason), claimedBy = NULL, claimedAt = NULL,
                  leaseExpiresAt = NULL, updatedAt = \(now) WHERE id = \(orderId)
                """)
            if order.state == .claimed { try await Self.statusChangesAfterClaimEnded(db, order, to: .held, now: now) }
            try await Self.appendEvent(
                db, orderId: orderId, kind: .held, from: order.state, to: .held, actor: actor, detail: ["reason": reason],
                at: now)
            return try await Self.fetchOrder(db, orderId)
        }
    }

    public func unhold(_ orderId: Int64, actor: EventActor, now: Date) async throws -> FulfillmentOrderRecord {
        try await write { db in
            let order = try await Self.fetchOrder(db, orderId, forUpdate: true)
            guard order.state == .held else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "unheld")
            }
            try await db.run(
                """
                UPDATE fulfillmentOrder SET state = 'ready', holdReason = NULL, changedAfterClaim = false,
                  updatedAt = \(now) WHERE id = \(orderId)
                """)
            try await Self.appendEvent(
                db, orderId: orderId, kind: .unheld, from: .held, to: .ready, actor: actor,
                detail: ["reason": order.holdReason ?? ""], at: now)
            return try await Self.fetchOrder(db, orderId)
        }
    }

    /// Drops a claim, moving the order to `ready` or `cancelled`.
    static func endClaim(_ db: PostgresConnection, _ orderId: Int64, to state: OrderState, now: Date) async throws {
        try await db.run(
            """
            UPDATE fulfillmentOrder SET state = \(state.rawValue), claimedBy = NULL, claimedAt = NULL,
              leaseExpiresAt = NULL, changedAfterClaim = false, updatedAt = \(now) WHERE id = \(orderId)
            """)
    }
}

extension Date {
    /// The date as the SQLite engine writes it ("YYYY-MM-DD HH:MM:SS.SSS", UTC): event details
    /// read the same on both engines.
    var databaseText: String {
        let milliseconds = self.milliseconds
        let seconds = Double(milliseconds.quotientFloor(1000))
        var components = Calendar.utc.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: seconds))
        components.nanosecond = nil
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", components.year ?? 0, components.month ?? 0,
            components.day ?? 0, components.hour ?? 0, components.minute ?? 0, components.second ?? 0,
            Int(milliseconds - milliseconds.quotientFloor(1000) * 1000))
    }
}

extension Int64 {
    fileprivate func quotientFloor(_ divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}

extension Calendar {
    fileprivate static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
