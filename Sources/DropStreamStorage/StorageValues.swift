import DropStreamCore
import Foundation

// The values the storage operations take and return, shared by every engine.

/// What ``SQLiteStorage/confirmShipment(_:trackingNumber:carrier:shippingMethod:items:idempotencyKey:worker:force:actor:now:)`` did.
public struct ShipmentConfirmationResult: Sendable, Hashable {
    public var shipment: ShipmentRecord
    /// The order after the confirmation.
    public var order: FulfillmentOrderRecord
    /// False when the idempotency key matched an earlier confirmation: nothing changed.
    public var created: Bool

    public init(shipment: ShipmentRecord, order: FulfillmentOrderRecord, created: Bool) {
        self.shipment = shipment
        self.order = order
        self.created = created
    }
}

/// What an upsert did to the queue.
public struct UpsertResult: Sendable, Hashable {
    public enum Change: String, Sendable, Hashable, Codable {
        /// A new order entered the queue (`ready`, or `held` with the given reason).
        case inserted
        /// A known, unclaimed order was changed in the store; its payload was replaced.
        case updated
        /// A claimed order was changed in the store; it stays claimed and is flagged.
        case changedAfterClaim
        /// Same or older `dateModified` than already stored: nothing to do.
        case unchanged
        /// The order is already shipped or cancelled here; the store status was recorded only.
        case terminal
    }
    public var orderId: Int64
    public var change: Change

    public init(orderId: Int64, change: Change) {
        self.orderId = orderId
        self.change = change
    }
}

/// What a store-side cancellation did to the queue.
public enum CancellationResult: Sendable, Hashable {
    /// The order (ready or held) is now `cancelled`.
    case cancelled(orderId: Int64)
    /// The order is claimed: it stays claimed and is flagged `cancelledInStore`.
    case flaggedWhileClaimed(orderId: Int64)
    /// Already shipped, cancelled or flagged, or the news is older than what is stored.
    case unchanged(orderId: Int64)
    /// The order was never imported; nothing to cancel.
    case unknownOrder
}

/// Counts of one pass commit.
public struct PassCounts: Sendable, Hashable, Codable {
    public var seen = 0
    public var new = 0
    public var updated = 0
    public var cancelled = 0
    public init() {}
}

/// What a re-evaluation of held orders did.
public struct ReevaluationResult: Sendable, Hashable {
    /// Orders that now resolve and went back to `ready`.
    public var released: [Int64] = []
    /// Orders still held by resolution (their reasons brought up to date).
    public var stillHeld: [Int64] = []
    public init() {}
}

/// What a SKU rule turns a store SKU into.
public enum SKURuleTarget: Sendable, Hashable {
    /// One warehouse SKU, quantity multiplied.
    case map(warehouseSKU: String, quantity: Int)
    /// Several warehouse SKUs.
    case kit([KitComponent])
    /// Nothing: the line never reaches the warehouse.
    case ignore
}

/// A shipment as the warehouse confirms it.
public struct ShipmentConfirmation: Sendable, Hashable {
    /// One per warehouse confirmation; confirming again with the same key returns the first shipment.
    public var idempotencyKey: String
    public var trackingNumber: String
    public var carrier: String
    public var shippingMethod: String?
    /// The lines and quantities shipped.
    public var items: [ShipmentItem]

    public init(
        idempotencyKey: String, trackingNumber: String, carrier: String, shippingMethod: String? = nil,
        items: [ShipmentItem]
    ) {
        self.idempotencyKey = idempotencyKey
        self.trackingNumber = trackingNumber
        self.carrier = carrier
        self.shippingMethod = shippingMethod
        self.items = items
    }
}

/// Counts for `dropstreamctl status` and the daemon's `STATUS=` line. Every state is present,
/// zero when there is none.
public struct StatusSummary: Sendable, Hashable {
    /// Per-store order counts.
    public struct StoreCounts: Sendable, Hashable {
        public var storeId: Int64
        public var name: String
        public var state: StoreState
        public var orders: [OrderState: Int]

        public init(storeId: Int64, name: String, state: StoreState, orders: [OrderState: Int]) {
            self.storeId = storeId
            self.name = name
            self.state = state
            self.orders = orders
        }
    }
    public var stores: [StoreState: Int]
    public var orders: [OrderState: Int]
    /// One entry per store, by name.
    public var perStore: [StoreCounts]

    public init(stores: [StoreState: Int], orders: [OrderState: Int], perStore: [StoreCounts]) {
        self.stores = stores
        self.orders = orders
        self.perStore = perStore
    }
}

/// What the daemon's `STATUS=` line shows: stores by connection state and the open part of the
/// queue. Every state is present, zero when there is none.
public struct QueueStatusCounts: Sendable, Hashable {
    public var stores: [StoreState: Int]
    /// Orders in `ready`, `claimed` and `held` (the states someone still has to act on).
    public var openOrders: [OrderState: Int]

    public init(stores: [StoreState: Int], openOrders: [OrderState: Int]) {
        self.stores = stores
        self.openOrders = openOrders
    }
}

/// What the pusher needs to send one change: the change, its order and store as they are now.
public struct StoreStatusChangeWork: Sendable, Hashable {
    public var change: StoreStatusChangeRecord
    public var order: FulfillmentOrderRecord
    public var store: StoreRecord

    public init(change: StoreStatusChangeRecord, order: FulfillmentOrderRecord, store: StoreRecord) {
        self.change = change
        self.order = order
        self.store = store
    }
}

/// How sending a store status change ended.
public enum StoreStatusChangeResult: Sendable, Hashable {
    /// The store shows the target status now; `requestSent` is false when it already did.
    case done(requestSent: Bool)
    /// The store showed another status than expected (the merchant moved or cancelled the
    /// order): left alone.
    case skipped(storeStatusId: Int)
    /// A transient failure, or the store cannot be talked to now: try again at `at`.
    case retry(error: String, at: Date)
    /// The store refused the change, or retries ran out.
    case failed(error: String)
}

/// An entry for a store's history, written in the same transaction as the change it records.
public struct StoreEventInput: Sendable, Hashable {
    public var kind: String
    public var actor: String
    public var detail: [String: String]?

    public init(kind: String, actor: String, detail: [String: String]? = nil) {
        self.kind = kind
        self.actor = actor
        self.detail = detail
    }
}

/// What the queue knows about one store order.
public struct KnownOrder: Sendable, Hashable {
    public var orderId: Int64
    public var externalOrderId: String
    public var state: OrderState
    public var storeStatusId: Int
    public var dateModified: Date
    /// The status our claim flip set (or may have set) in the store: the store showing it is our
    /// own doing (see `fulfillmentOrder.flippedStoreStatusId`).
    public var flippedStoreStatusId: Int? = nil

    public init(
        orderId: Int64, externalOrderId: String, state: OrderState, storeStatusId: Int, dateModified: Date,
        flippedStoreStatusId: Int? = nil
    ) {
        self.orderId = orderId
        self.externalOrderId = externalOrderId
        self.state = state
        self.storeStatusId = storeStatusId
        self.dateModified = dateModified
        self.flippedStoreStatusId = flippedStoreStatusId
    }
}

/// The figures of a finished pass.
public struct SyncRunResult: Sendable, Hashable {
    public var outcome: SyncRunOutcome
    public var counts: PassCounts
    public var requestsUsed: Int
    public var quotaLeft: Int?
    /// Why it failed; never a token or a full address.
    public var error: String?

    public init(outcome: SyncRunOutcome, counts: PassCounts = PassCounts(), requestsUsed: Int = 0,
                quotaLeft: Int? = nil, error: String? = nil) {
        self.outcome = outcome
        self.counts = counts
        self.requestsUsed = requestsUsed
        self.quotaLeft = quotaLeft
        self.error = error
    }
}

/// Which migrations a database has applied.
public struct SchemaVersion: Sendable, Hashable, Codable {
    /// The applied migrations this build knows, in order.
    public var appliedMigrations: [String]
    /// The number of applied migrations: the schema version as a number.
    public var number: Int { appliedMigrations.count }
    /// The latest applied migration identifier (for example `"v1"`).
    public var latestMigration: String? { appliedMigrations.last }

    public init(appliedMigrations: [String]) {
        self.appliedMigrations = appliedMigrations
    }
}

/// Idempotency keys of shipment confirmations, the same on every engine.
public enum ShipmentKeys {
    /// The key of a confirmation that names none: derived from the order, the tracking number and
    /// the items (or "the rest"), so repeating the same confirmation finds the first shipment.
    public static func derived(_ orderId: Int64, trackingNumber: String, items: [ShipmentItem]?) -> String {
        let what = items.map { items in
            items.sorted { ($0.lineID, $0.quantity) < ($1.lineID, $1.quantity) }
                .map { "\($0.lineID)x\($0.quantity)" }.joined(separator: ",")
        } ?? "rest"
        return "order:\(orderId)/tracking:\(trackingNumber)/items:\(what)"
    }
}

/// What a confirmation ships, decided the same way on every engine.
public enum ShipmentPlan {
    /// The items to ship (`items`, or every physical line's quantity still left when nil) and
    /// whether they complete the order. `left`: physical quantity per line not yet in a shipment.
    public static func items(
        for order: FulfillmentOrderRecord, requested items: [ShipmentItem]?, left: [String: Int]
    ) throws -> (items: [ShipmentItem], completesOrder: Bool) {
        var left = left
        let wanted: [ShipmentItem]
        if let items {
            wanted = items
        } else {
            wanted = order.payload.lines.compactMap { line in
                let quantity = left[line.lineID] ?? 0
                return quantity > 0 ? ShipmentItem(lineID: line.lineID, quantity: quantity) : nil
            }
            guard !wanted.isEmpty else {
                throw StorageError.invalidArgument("Order \(order.id) has nothing left to ship.")
            }
        }
        for item in wanted {
            guard let line = order.payload.lines.first(where: { $0.lineID == item.lineID }) else {
                let known = order.payload.lines.map(\.lineID).joined(separator: ", ")
                throw StorageError.invalidArgument("Order \(order.id) has no line \(item.lineID) (its lines: \(known)).")
            }
            guard line.isPhysical else {
                throw StorageError.invalidArgument(
                    "Line \(item.lineID) of order \(order.id) is not a physical item; it is never shipped.")
            }
            let remaining = left[item.lineID] ?? 0
            guard item.quantity <= remaining else {
                throw StorageError.invalidArgument(
                    "Line \(item.lineID) of order \(order.id) has \(remaining) left to ship; cannot ship \(item.quantity).")
            }
            left[item.lineID] = remaining - item.quantity
        }
        return (wanted, left.values.allSatisfy { $0 == 0 })
    }
}
