import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The warehouse's shipment confirmation as the control API takes it (issue 6): which lines are
// still to ship, partial or complete, decided in the same transaction that records the shipment,
// so two confirmations racing for one order can never ship a line twice.

extension SQLiteStorage {
    /// Confirms a shipment of a claimed order, in one transaction: `items` default to every
    /// physical line's quantity not yet in a shipment; quantities above what is left are refused;
    /// the order becomes `shipped` when nothing is left, else it stays claimed (partial).
    ///
    /// The idempotency key defaults to one derived from the order, tracking number and items
    /// (or "the rest" when `items` is nil), so repeating the same confirmation returns the first
    /// shipment instead of shipping twice.
    public func confirmShipment(
        _ orderId: Int64, trackingNumber: String, carrier: String, shippingMethod: String? = nil,
        items: [ShipmentItem]? = nil, idempotencyKey: String? = nil, worker: String? = nil, force: Bool = false,
        actor: EventActor, now: Date = Date()
    ) async throws -> ShipmentConfirmationResult {
        guard !trackingNumber.isEmpty else { throw StorageError.invalidArgument("A shipment needs a tracking number.") }
        guard !carrier.isEmpty else { throw StorageError.invalidArgument("A shipment needs a carrier.") }
        if let items, items.isEmpty || items.contains(where: { $0.quantity <= 0 }) {
            throw StorageError.invalidArgument("A shipment needs at least one line, each with a positive quantity.")
        }
        let key = idempotencyKey ?? ShipmentKeys.derived(orderId, trackingNumber: trackingNumber, items: items)
        return try await writer.write { db in
            if let existing = try ShipmentRecord.filter(ShipmentRecord.Columns.idempotencyKey == key).fetchOne(db),
               existing.orderId == orderId
            {
                return ShipmentConfirmationResult(shipment: existing, order: try Self.fetchOrder(db, orderId), created: false)
            }
            let order = try Self.fetchOrder(db, orderId)
            guard order.state == .claimed else {
                throw StorageError.invalidTransition(orderID: orderId, from: order.state, operation: "shipped")
            }
            let left = try Self.quantitiesLeftToShip(db, order)
            let (wanted, completes) = try ShipmentPlan.items(for: order, requested: items, left: left)
            let shipment = try Self.ship(
                db, orderId,
                ShipmentConfirmation(idempotencyKey: key, trackingNumber: trackingNumber, carrier: carrier,
                                     shippingMethod: shippingMethod, items: wanted),
                worker: worker, completesOrder: completes, force: force, actor: actor, now: now)
            return ShipmentConfirmationResult(shipment: shipment, order: try Self.fetchOrder(db, orderId), created: true)
        }
    }

    /// The shipments of several orders, by order id, oldest first (for listings).
    public func shipments(forOrders orderIds: [Int64]) async throws -> [Int64: [ShipmentRecord]] {
        guard !orderIds.isEmpty else { return [:] }
        return try await writer.read { db in
            let rows = try ShipmentRecord.fetchAll(
                db, sql: "SELECT * FROM shipment WHERE orderId IN (SELECT value FROM json_each(?)) ORDER BY id",
                arguments: [try JSONText.encode(orderIds)])
            return Dictionary(grouping: rows, by: \.orderId)
        }
    }

    /// One shipment by id.
    public func shipment(id: Int64) async throws -> ShipmentRecord? {
        try await writer.read { db in try ShipmentRecord.fetchOne(db, key: id) }
    }

    /// Physical quantity per line not yet in any shipment (failed ones count: an operator retries them).
    static func quantitiesLeftToShip(_ db: Database, _ order: FulfillmentOrderRecord) throws -> [String: Int] {
        var left: [String: Int] = [:]
        for line in order.payload.lines where line.isPhysical { left[line.lineID, default: 0] += line.quantity }
        let shipments = try ShipmentRecord.filter(ShipmentRecord.Columns.orderId == order.id).fetchAll(db)
        for item in shipments.flatMap(\.items) where left[item.lineID] != nil {
            left[item.lineID]! -= item.quantity
        }
        return left.mapValues { max(0, $0) }
    }
}
