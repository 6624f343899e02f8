import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// Shipping (DESIGN §2 flow 7): the warehouse's confirmations and the pusher's outbox. A
// confirmation locks its order row first, so two confirmations of one order (a retried request,
// two workers) are judged one after the other and the idempotency key finds the first.

extension PostgresStorage {
    public func confirmShipment(
        _ orderId: Int64, trackingNumber: String, carrier: String, shippingMethod: String?, items: [ShipmentItem]?,
        idempotencyKey: String?, worker: String?, force: Bool, actor: EventActor, now: Date
    ) async throws -> ShipmentConfirmationResult {
        guard !trackingNumber.isEmpty else { throw StorageError.invalidArgument("A shipment needs a tracking number.") }
        guard !carrier.isEmpty else { throw StorageError.invalidArgument("A shipment needs a carrier.") }
        if let items, items.isEmpty || items.contains(where: { $0.quantity <= 0 }) {
            throw StorageError.invalidArgument("A shipment needs at least one line, each with a positive quantity.")
        }
        let key = idempotencyKey ?? ShipmentKeys.derived(orderId, trackingNumber: trackingNumber, items: items)
        return try await write { db in
            let order = try await Self.fetchOrder(db, orderId, forUpdate: true)
            if let existing = try await Self.shipment(db, idempotencyKey: key), existing.orderId == orderId {
                return ShipmentConfirmationResult(shipment: existing, order: order, created: false)
            }
            guard order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "shipped")
            }
            let left = try await Self.quantitiesLeftToShip(db, order)
            let (wanted, completes) = try ShipmentPlan.items(for: order, requested: items, left: left)
            let shipment = try await Self.ship(
                db, order,
                ShipmentConfirmation(
                    idempotencyKey: key, trackingNumber: trackingNumber, carrier: carrier, shippingMethod: shippingMethod,
                    items: wanted),
                worker: worker, completesOrder: completes, force: force, actor: actor, now: now)
            return ShipmentConfirmationResult(shipment: shipment, order: try await Self.fetchOrder(db, orderId), created: true)
        }
    }

    public func ship(
        _ orderId: Int64, _ confirmation: ShipmentConfirmation, worker: String?, completesOrder: Bool, force: Bool,
        actor: EventActor, now: Date
    ) async throws -> ShipmentRecord {
        guard !confirmation.items.isEmpty, confirmation.items.allSatisfy({ $0.quantity > 0 }) else {
            throw StorageError.invalidArgument("A shipment needs at least one line with a positive quantity.")
        }
        return try await write { db in
            let order = try await Self.fetchOrder(db, orderId, forUpdate: true)
            return try await Self.ship(
                db, order, confirmation, worker: worker, completesOrder: completesOrder, force: force, actor: actor,
                now: now)
        }
    }

    public func shipments(forOrders orderIds: [Int64]) async throws -> [Int64: [ShipmentRecord]] {
        guard !orderIds.isEmpty else { return [:] }
        return try await read { db in
            let rows = try await db.all("SELECT * FROM shipment WHERE orderId = ANY(\(orderIds)) ORDER BY id", Row.shipment)
            return Dictionary(grouping: rows, by: \.orderId)
        }
    }

    public func shipment(id: Int64) async throws -> ShipmentRecord? {
        try await read { db in try await db.one("SELECT * FROM shipment WHERE id = \(id)", Row.shipment) }
    }

    public func shipmentsToPush(now: Date, limit: Int) async throws -> [ShipmentRecord] {
        try await read { db in
            try await db.all(
                """
                SELECT * FROM shipment
                WHERE state = 'pushing' OR (state = 'pending' AND (nextAttemptAt IS NULL OR nextAttemptAt <= \(now)))
                ORDER BY id LIMIT \(limit)
                """, Row.shipment)
        }
    }

    public func shipments(forOrder orderId: Int64) async throws -> [ShipmentRecord] {
        try await read { db in
            try await db.all("SELECT * FROM shipment WHERE orderId = \(orderId) ORDER BY id", Row.shipment)
        }
    }

    public func markShipmentPushing(_ shipmentId: Int64, now: Date) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "pushed") { db in
            try await db.run(
                "UPDATE shipment SET state = 'pushing', attempts = attempts + 1, updatedAt = \(now) WHERE id = \(shipmentId)")
            return nil
        } now: { now }
    }

    public func markShipmentDelivered(_ shipmentId: Int64, externalShipmentId: String, now: Date) async throws
        -> ShipmentRecord
    {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "delivered") { db in
            try await db.run(
                """
                UPDATE shipment SET state = 'delivered', externalShipmentId = \(externalShipmentId), lastError = NULL,
                  nextAttemptAt = NULL, updatedAt = \(now) WHERE id = \(shipmentId)
                """)
            return (.shipmentDelivered, ["shipmentId": String(shipmentId), "externalShipmentId": externalShipmentId])
        } now: { now }
    }

    public func markShipmentFailed(_ shipmentId: Int64, error: String, retryAt: Date?, now: Date) async throws
        -> ShipmentRecord
    {
        try await updateShipment(shipmentId, allowedFrom: [.pending, .pushing], operation: "failed") { db in
            let state = retryAt == nil ? ShipmentState.failed : .pending
            try await db.run(
                """
                UPDATE shipment SET state = \(state.rawValue), lastError = \(error), nextAttemptAt = \(retryAt),
                  updatedAt = \(now) WHERE id = \(shipmentId)
                """)
            return retryAt == nil ? (.shipmentFailed, ["shipmentId": String(shipmentId), "error": error]) : nil
        } now: { now }
    }

    public func retryShipment(_ shipmentId: Int64, now: Date) async throws -> ShipmentRecord {
        try await updateShipment(shipmentId, allowedFrom: [.failed], operation: "retried") { db in
            try await db.run(
                "UPDATE shipment SET state = 'pending', nextAttemptAt = NULL, updatedAt = \(now) WHERE id = \(shipmentId)")
            return nil
        } now: { now }
    }

    // MARK: Building blocks

    private func updateShipment(
        _ shipmentId: Int64, allowedFrom: Set<ShipmentState>, operation: String,
        _ apply: @escaping @Sendable (PostgresConnection) async throws -> (OrderEventKind, [String: String])?,
        now: @escaping @Sendable () -> Date
    ) async throws -> ShipmentRecord {
        try await write { db in
            guard let shipment = try await db.one(
                "SELECT * FROM shipment WHERE id = \(shipmentId) FOR UPDATE", Row.shipment)
            else { throw StorageError.shipmentNotFound(shipmentId) }
            guard allowedFrom.contains(shipment.state) else {
                throw StorageError.invalidShipmentTransition(shipmentID: shipmentId, from: shipment.state, operation: operation)
            }
            if let (kind, detail) = try await apply(db) {
                try await Self.appendEvent(
                    db, orderId: shipment.orderId, kind: kind, from: nil, to: nil, actor: .pusher, detail: detail, at: now())
            }
            return try await db.one("SELECT * FROM shipment WHERE id = \(shipmentId)", Row.shipment)!
        }
    }

    static func shipment(_ db: PostgresConnection, idempotencyKey: String) async throws -> ShipmentRecord? {
        try await db.one("SELECT * FROM shipment WHERE idempotencyKey = \(idempotencyKey)", Row.shipment)
    }

    /// `ship` inside a caller's transaction, `order` locked by the caller.
    static func ship(
        _ db: PostgresConnection, _ order: FulfillmentOrderRecord, _ confirmation: ShipmentConfirmation, worker: String?,
        completesOrder: Bool, force: Bool, actor: EventActor, now: Date
    ) async throws -> ShipmentRecord {
        let orderId = order.id
        if let existing = try await shipment(db, idempotencyKey: confirmation.idempotencyKey) {
            guard existing.orderId == orderId else {
                throw StorageError.invalidArgument(
                    "Idempotency key \(confirmation.idempotencyKey) was already used for order \(existing.orderId).")
            }
            return existing
        }
        guard order.state == .claimed else {
            throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "shipped")
        }
        if let worker, order.claimedBy != worker {
            throw StorageError.notClaimedByWorker(orderID: orderId, worker: worker, claimedBy: order.claimedBy)
        }
        if order.cancelledInStore && !force { throw StorageError.cancelledInStore(orderID: orderId) }
        let shipment = try await db.one(
            """
            INSERT INTO shipment (orderId, idempotencyKey, state, trackingNumber, carrier, shippingMethod, items,
              createdAt, updatedAt)
            VALUES (\(orderId), \(confirmation.idempotencyKey), 'pending', \(confirmation.trackingNumber),
                    \(confirmation.carrier), \(confirmation.shippingMethod), \(try JSONText.encode(confirmation.items)),
                    \(now), \(now))
            RETURNING *
            """, Row.shipment)!
        // From now on the store must never be flipped to the claim status for this order.
        try await supersedeStatusChangesForShipment(db, orderId: orderId, now: now)
        var detail = [
            "shipmentId": String(shipment.id), "carrier": confirmation.carrier,
            "trackingNumber": confirmation.trackingNumber,
        ]
        if completesOrder {
            try await db.run(
                """
                UPDATE fulfillmentOrder SET state = 'shipped', claimedBy = NULL, claimedAt = NULL,
                  leaseExpiresAt = NULL, updatedAt = \(now) WHERE id = \(orderId)
                """)
            try await appendEvent(
                db, orderId: orderId, kind: .shipped, from: .claimed, to: .shipped, actor: actor, detail: detail, at: now)
        } else {
            detail["partial"] = "true"
            try await appendEvent(
                db, orderId: orderId, kind: .shipped, from: nil, to: nil, actor: actor, detail: detail, at: now)
        }
        return shipment
    }

    /// Physical quantity per line not yet in any shipment (failed ones count: an operator retries them).
    static func quantitiesLeftToShip(_ db: PostgresConnection, _ order: FulfillmentOrderRecord) async throws
        -> [String: Int]
    {
        var left: [String: Int] = [:]
        for line in order.payload.lines where line.isPhysical { left[line.lineID, default: 0] += line.quantity }
        let shipments = try await db.all("SELECT * FROM shipment WHERE orderId = \(order.id)", Row.shipment)
        for item in shipments.flatMap(\.items) where left[item.lineID] != nil {
            left[item.lineID]! -= item.quantity
        }
        return left.mapValues { max(0, $0) }
    }
}
