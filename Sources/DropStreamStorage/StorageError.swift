import DropStreamCore

/// Why a database operation was refused. Each case reads as one sentence for the operator.
///
/// Constraint violations that an operation checks for itself (duplicate store name or hash, an
/// order not in the right state) surface as these typed cases; anything else the schema rejects
/// surfaces as GRDB's `DatabaseError` and is a bug in the caller.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database was migrated by a newer build; this build refuses to touch it.
    case newerSchema(path: String, unknownMigrations: [String], latestKnownMigration: String)
    /// The database file cannot be created or opened (missing directory, permissions).
    case cannotOpen(path: String, reason: String)
    /// Another store already has this name.
    case duplicateStoreName(String)
    /// Another store already has this platform and store hash.
    case duplicateStoreHash(platform: Platform, storeHash: String, existingStore: String)
    /// The import status id is outside BigCommerce's 0...14.
    case invalidStatusID(Int)
    /// No store with this id or name.
    case storeNotFound(String)
    /// No order with this id.
    case orderNotFound(Int64)
    /// The operation does not apply to an order in its current state.
    case invalidTransition(orderID: Int64, from: OrderState, operation: String)
    /// The order is claimed, but by another worker.
    case notClaimedByWorker(orderID: Int64, worker: String, claimedBy: String?)
    /// The store cancelled this order while it was claimed; shipping it needs `force`.
    case cancelledInStore(orderID: Int64)
    /// Removing the store would drop orders still in the queue or shipments not delivered.
    case storeHasUnfinishedWork(store: String, openOrders: Int, undeliveredShipments: Int)
    /// No shipment with this id.
    case shipmentNotFound(Int64)
    /// The operation does not apply to a shipment in its current state.
    case invalidShipmentTransition(shipmentID: Int64, from: ShipmentState, operation: String)
    /// A value the caller passed is out of range (limit, lease, quantity...).
    case invalidArgument(String)
    /// The database server cannot be reached (restarting, gone, the network down); nothing was
    /// written. The daemon says so and tries again; the operator retries the command.
    case unavailable(location: String, reason: String)

    public var description: String {
        switch self {
        case let .newerSchema(path, unknown, latest):
            return "The database at \(path) was migrated by a newer DropStream "
                + "(it has migrations \(unknown.sorted().joined(separator: ", ")) that this build does not know; "
                + "this build's latest migration is \(latest)). Upgrade DropStream or restore a backup."
        case let .cannotOpen(path, reason):
            return "Cannot open the database at \(path): \(reason)."
        case let .duplicateStoreName(name):
            return "A store named \"\(name)\" already exists."
        case let .duplicateStoreHash(platform, hash, existing):
            return "The \(platform.rawValue) store hash \"\(hash)\" is already connected as store \"\(existing)\"."
        case let .invalidStatusID(id):
            return "Order status id \(id) is not valid (expected 0 to 14)."
        case let .storeNotFound(key):
            return "No store \(key)."
        case let .orderNotFound(id):
            return "No order with id \(id)."
        case let .invalidTransition(id, from, operation):
            return "Order \(id) is \(from.rawValue); it cannot be \(operation)."
        case let .notClaimedByWorker(id, worker, claimedBy):
            if let claimedBy {
                return "Order \(id) is claimed by \(claimedBy), not by \(worker)."
            }
            return "Order \(id) is not claimed, so \(worker) cannot act on its claim."
        case let .cancelledInStore(id):
            return "Order \(id) was cancelled in the store after it was claimed; ship it only with force."
        case let .storeHasUnfinishedWork(store, orders, shipments):
            return "Store \"\(store)\" still has \(orders) open order(s) and \(shipments) undelivered shipment(s); "
                + "disconnect it instead, or remove it with force."
        case let .shipmentNotFound(id):
            return "No shipment with id \(id)."
        case let .invalidShipmentTransition(id, from, operation):
            return "Shipment \(id) is \(from.rawValue); it cannot be \(operation)."
        case let .invalidArgument(message):
            return message
        case let .unavailable(location, reason):
            return "The database \(location) cannot be reached (\(reason)); nothing was written. "
                + "The daemon keeps trying; retry once it is back."
        }
    }
}
