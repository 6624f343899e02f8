import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Shipments: the warehouse confirms (ship), the shipment pusher delivers (DESIGN §2 flow 7).

extension SQLiteStorage {
    /// Records a shipment for a claimed order and queues it for the pusher, in one transaction.
    ///
    /// With `completesOrder` the order moves `claimed → shipped` (event `shipped`); otherwise it
    /// stays claimed (a partial shipment, event `shipped` without a transition). A repeated
    /// confirmation with the same idempotency key returns the existing shipment and changes nothing.
    ///
    /// - Throws: ``StorageError/cancelledInStore(orderID:)`` when the store cancelled the order
    ///   and `force` is false; ``StorageError/notClaimedByWorker(orderID:worker:claimedBy:)``.
    @discardableResult
    public func ship(
        _ orderId: Int64, _ confirmation: ShipmentConfirmation, worker: String? = nil, completesOrder: Bool = true,
        force: Bool = false, actor: EventActor, now: Date = Date()
    ) async throws -> ShipmentRecord {
        guard !confirmation.items.isEmpty, confirmation.items.allSatisfy({ $0.quantity > 0 }) else {
            throw StorageError.invalidArgument("A shipment needs at least one line with a positive quantity.")
        }
        return try await writer.write { db in
            try Self.ship(db, orderId, confirmation, worker: worker, completesOrder: completesOrder, force: force,
                          actor: actor, now: now)
        }
    }

    /// ``ship(_:_:worker:completesOrder:force:actor:now:)`` inside a caller's transaction.
    static func ship(
        _ db: Database, _ orderId: Int64, _ confirmation: ShipmentConfirmation, worker: String?, completesOrder: Bool,
        force: Bool, actor: EventActor, now: Date
    ) throws -> ShipmentRecord {
        if let existing = try ShipmentRecord
            .filter(ShipmentRecord.Columns.idempotencyKey == confirmation.idempotencyKey).fetchOne(db)
        {
            guard existing.orderId == orderId else {
                throw StorageError.invalidArgument(
                    "Idempotency key \(confirmation.idempotencyKey) was already used for order \(existing.orderId).")
            }
            return existing
        }
        let order = try Self.fetchOrder(db, orderId)
        guard order.state == .claimed else {
            throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "shipped")
        }
        if let worker, order.claimedBy != worker {
            throw StorageError.notClaimedByWorker(orderID: orderId, worker: worker, claimedBy: order.claimedBy)
        }
        if order.cancelledInStore && !force { throw StorageError.cancelledInStore(orderID: orderId) }
        let shipment = try ShipmentRecord.fetchOne(
            db,
            sql: """
                INSERT INTO shipment (orderId, idempotencyKey, state, trackingNumber, carrier, shippingMethod, items,
                  createdAt, updatedAt)
                VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?) RETURNING *
                """,
            arguments: [orderId, confirmation.idempotencyKey, confirmation.trackingNumber, confirmation.carrier,
                        confirmation.shippingMethod, try JSONText.encode(confirmation.items), now, now])!
        // From now on the store must never be flipped to the claim status for this order.
        try Self.supersedeStatusChangesForShipment(db, orderId: orderId, now: now)
        var detail = ["shipmentId": String(shipment.id), "carrier": confirmation.carrier,
                      "trackingNumber": confirmation.trackingNumber]
        if completesOrder {
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET state = 'shipped', claimedBy = NULL, claimedAt = NULL,
                      leaseExpiresAt = NULL, updatedAt = ? WHERE id = ?
                    """,
                arguments: [now, orderId])
            try Self.appendEvent(db, orderId: orderId, kind: .shipped, from: .claimed, to: .shipped, actor: actor,
                                 detail: detail, at: now)
        } else {
            detail["partial"] = "true"
            try Self.appendEvent(db, orderId: orderId, kind: .shipped, from: nil, to: nil, actor: actor,
                                 detail: detail, at: now)
        }
        return shipment
    }

    /// Shipments the pusher should work on now: `pending` ones due at `now`, and `pushing` ones
    /// (left by a crash or an ambiguous failure: check the store before sending again). Oldest first.
    public func shipmentsToPush(now: Date = Date(), limit: Int = 50) async throws -> [ShipmentRecord] {
        try await writer.read { db in
            try ShipmentRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM shipment
                    WHERE state = 'pushing' OR (state = 'pending' AND (nextAttemptAt IS NULL OR nextAttemptAt <= ?))
                    ORDER BY id LIMIT ?
                    """,
                arguments: [now, limit])
        }
    }

    /// The shipments of one order, oldest first.
    public func shipments(forOrder orderId: Int64) async throws -> [ShipmentRecord] {
        try await writer.read { db in
            try ShipmentRecord.filter(ShipmentRecord.Columns.orderId == orderId).order(ShipmentRecord.Columns.id).fetchAll(db)
        }
    }

    /// Marks a shipment as being sent (counts the attempt). From `pending` or `pushing`.
    @discardableResult
    public func markShipmentPushing(_ shipmentId: Int64, now: Date = Date()) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "pushed", now: now) { db in
            try db.execute(
                sql: "UPDATE shipment SET state = 'pushing', attempts = attempts + 1, updatedAt = ? WHERE id = ?",
                arguments: [now, shipmentId])
            return nil
        }
    }

    /// The store accepted the shipment (or already had it): `delivered`, with an order event.
    @discardableResult
    public func markShipmentDelivered(
        _ shipmentId: Int64, externalShipmentId: String, now: Date = Date()
    ) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "delivered", now: now) { db in
            try db.execute(
                sql: """
                    UPDATE shipment SET state = 'delivered', externalShipmentId = ?, lastError = NULL, nextAttemptAt = NULL,
                      updatedAt = ? WHERE id = ?
                    """,
                arguments: [externalShipmentId, now, shipmentId])
            return (.shipmentDelivered, ["shipmentId": String(shipmentId), "externalShipmentId": externalShipmentId])
        }
    }

    /// A push failed. With `retryAt` the shipment goes back to `pending` until then (transient
    /// failure); without, it is `failed` for good (store refusal), with an order event.
    @discardableResult
    public func markShipmentFailed(
        _ shipmentId: Int64, error: String, retryAt: Date?, now: Date = Date()
    ) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "failed", now: now) { db in
            try db.execute(
                sql: "UPDATE shipment SET state = ?, lastError = ?, nextAttemptAt = ?, updatedAt = ? WHERE id = ?",
                arguments: [retryAt == nil ? ShipmentState.failed : .pending, error, retryAt, now, shipmentId])
            return retryAt == nil ? (.shipmentFailed, ["shipmentId": String(shipmentId), "error": error]) : nil
        }
    }

    /// An operator retries a failed shipment: back to `pending`, due now.
    @discardableResult
    public func retryShipment(_ shipmentId: Int64, now: Date = Date()) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.failed], operation: "retried", now: now) { db in
            try db.execute(
                sql: "UPDATE shipment SET state = 'pending', nextAttemptAt = NULL, updatedAt = ? WHERE id = ?",
                arguments: [now, shipmentId])
            return nil
        }
    }

    private func updateShipment(
        _ shipmentId: Int64, allowedFrom: Set<ShipmentState>, operation: String, now: Date,
        _ apply: @escaping @Sendable (Database) throws -> (OrderEventKind, [String: String])?
    ) async throws -> ShipmentRecord {
        try await writer.write { db in
            guard let shipment = try ShipmentRecord.fetchOne(db, key: shipmentId) else {
                throw StorageError.shipmentNotFound(shipmentId)
            }
            guard allowedFrom.contains(shipment.state) else {
                throw StorageError.invalidShipmentTransition(
                    shipmentID: shipmentId, from: shipment.state, operation: operation)
            }
            if let (kind, detail) = try apply(db) {
                try Self.appendEvent(db, orderId: shipment.orderId, kind: kind, from: nil, to: nil, actor: .pusher,
                                     detail: detail, at: now)
            }
            return try ShipmentRecord.fetchOne(db, key: shipmentId)!
        }
    }
}
