import Foundation

// Review Order Status and the order operations of the control API (DESIGN §2 flows 6–7, issue 6).
// Orders are addressed by DropStream's numeric order id: `/v1/orders/{id}`.

extension ControlAPI.Path {
    /// `GET` with optional query `store`, `state`, `since` (ISO 8601), `limit`: newest first
    /// (``OrderListResponse``).
    public static let orders = "/v1/orders"

    /// `GET`: one order with lines, address, shipments and history (``OrderDetail``).
    public static func order(_ id: Int64) -> String { "/v1/orders/\(id)" }

    /// `POST` (optional ``ReleaseRequest``): give a claimed order back to the queue (``OrderSummary``).
    public static func releaseOrder(_ id: Int64) -> String { order(id) + "/release" }

    /// `POST` with ``HoldRequest``: set a ready or claimed order aside (``OrderSummary``).
    public static func holdOrder(_ id: Int64) -> String { order(id) + "/hold" }

    /// `POST`: put a held order back in the queue (``OrderSummary``).
    public static func unholdOrder(_ id: Int64) -> String { order(id) + "/unhold" }

    /// `POST` with ``ShipRequest``: confirm a shipment of a claimed order (``ShipResponse``).
    public static func shipOrder(_ id: Int64) -> String { order(id) + "/ship" }

    /// `POST`: send a failed shipment to the store again (``ShipmentInfo``).
    public static func retryShipment(_ id: Int64) -> String { "/v1/shipments/\(id)/retry" }
}

/// One order in a listing.
public struct OrderSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var store: String
    public var storeOrderId: String
    /// `ready`, `held`, `claimed`, `shipped` or `cancelled`.
    public var state: String
    /// The store-side status id when last seen (BigCommerce 0–14).
    public var storeStatusId: Int
    /// Its system name ("Awaiting Fulfillment"), the same in every store.
    public var storeStatus: String
    /// The store's own label for that status when the merchant renamed it ("Ready to pack"),
    /// what the merchant sees in their control panel; nil when not renamed or not known (the
    /// daemon reads a store's labels at most every 10 minutes). Added in issue 17.
    public var storeStatusLabel: String?
    public var holdReason: String?
    public var claimedBy: String?
    public var leaseExpiresAt: Date?
    /// The store changed the order while it was claimed: look again before shipping.
    public var changedAfterClaim: Bool
    /// The store cancelled the order while it was claimed: shipping needs `force`.
    public var cancelledInStore: Bool
    /// Total physical quantity ordered, and confirmed in shipments so far.
    public var quantity: Int
    public var quantityShipped: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, store: String, storeOrderId: String, state: String, storeStatusId: Int, storeStatus: String,
        holdReason: String?, claimedBy: String?, leaseExpiresAt: Date?, changedAfterClaim: Bool, cancelledInStore: Bool,
        quantity: Int, quantityShipped: Int, createdAt: Date, updatedAt: Date, storeStatusLabel: String? = nil
    ) {
        self.storeStatusLabel = storeStatusLabel
        self.id = id
        self.store = store
        self.storeOrderId = storeOrderId
        self.state = state
        self.storeStatusId = storeStatusId
        self.storeStatus = storeStatus
        self.holdReason = holdReason
        self.claimedBy = claimedBy
        self.leaseExpiresAt = leaseExpiresAt
        self.changedAfterClaim = changedAfterClaim
        self.cancelledInStore = cancelledInStore
        self.quantity = quantity
        self.quantityShipped = quantityShipped
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/orders`.
public struct OrderListResponse: Codable, Sendable, Equatable {
    public var orders: [OrderSummary]
    public init(orders: [OrderSummary]) { self.orders = orders }
}

/// `GET /v1/orders/{id}`: everything known about one order.
public struct OrderDetail: Codable, Sendable, Equatable {
    public var order: OrderSummary
    public var shipTo: AddressInfo?
    public var shippingMethod: String?
    public var customerMessage: String?
    /// Every line, physical or not.
    public var lines: [OrderLineInfo]
    public var shipments: [ShipmentInfo]
    /// The full history, oldest first.
    public var events: [OrderEventInfo]
    /// What the warehouse picks, exactly as `queue claim` would return it now: the store's SKU
    /// rules applied with the rules in force at this moment. Nil from daemons before issue 17.
    public var warehouseLines: [WarehouseLineInfo]?
    /// The warehouse service code the shipping method maps to now (as `queue claim` returns it);
    /// nil when unmapped under `shipping.unmapped: pass`.
    public var serviceCode: String?
    /// SKU and shipping rules for this order's SKUs and method that were set after the order was
    /// imported: the lines above may differ from what the order was checked against then.
    /// Empty when none; nil from daemons before issue 17.
    public var rulesChangedSinceImport: [RuleChangeInfo]?

    public init(
        order: OrderSummary, shipTo: AddressInfo?, shippingMethod: String?, customerMessage: String?,
        lines: [OrderLineInfo], shipments: [ShipmentInfo], events: [OrderEventInfo],
        warehouseLines: [WarehouseLineInfo]? = nil, serviceCode: String? = nil, rulesChangedSinceImport: [RuleChangeInfo]? = nil
    ) {
        self.warehouseLines = warehouseLines
        self.serviceCode = serviceCode
        self.rulesChangedSinceImport = rulesChangedSinceImport
        self.order = order
        self.shipTo = shipTo
        self.shippingMethod = shippingMethod
        self.customerMessage = customerMessage
        self.lines = lines
        self.shipments = shipments
        self.events = events
    }
}

/// A rule that changed after an order was imported (``OrderDetail/rulesChangedSinceImport``).
public struct RuleChangeInfo: Codable, Sendable, Equatable {
    /// `sku` (a `skus set/kit/ignore` rule) or `shipping` (a `shipping map` rule).
    public var kind: String
    /// The store SKU or the store shipping method the rule is for.
    public var key: String
    /// When the rule was last set.
    public var changedAt: Date

    public init(kind: String, key: String, changedAt: Date) {
        self.kind = kind
        self.key = key
        self.changedAt = changedAt
    }
}

/// One entry of an order's history: who did what.
public struct OrderEventInfo: Codable, Sendable, Equatable {
    public var at: Date
    /// `imported`, `claimed`, `lease_expired`, `shipped`, `shipment_delivered`, `store_status_set`,
    /// `store_status_restored`, `store_status_left_alone`, `store_status_failed`, ...
    public var kind: String
    /// For transitions: the states before and after.
    public var fromState: String?
    public var toState: String?
    /// `sync`, `rescuer`, `pusher`, `worker:NAME`, `operator`, ...
    public var actor: String
    /// Small facts: reason, worker, tracking number, error... Keys as the daemon recorded them,
    /// some camelCase (`storeStatusId`): kept unchanged for readers of /v1; prefer ``facts``.
    public var detail: [String: String]
    /// The same facts with snake_case keys (`store_status_id`), like every other key of the
    /// control API's JSON. Added beside ``detail`` (issue 17); nil from daemons before it existed.
    public var facts: [String: String]?

    public init(
        at: Date, kind: String, fromState: String?, toState: String?, actor: String, detail: [String: String],
        facts: [String: String]? = nil
    ) {
        self.at = at
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.detail = detail
        self.facts = facts
    }
}

extension ControlAPI {
    /// A history entry's facts with snake_case keys: `storeStatusId` -> `store_status_id`, the
    /// conversion the encoder applies to every property name (``makeEncoder()``), which a
    /// dictionary's keys do not get. Keys already in snake_case are unchanged.
    public static func snakeCaseKeys(_ facts: [String: String]) -> [String: String] {
        Dictionary(facts.map { (snakeCase($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// `storeStatusId` -> `store_status_id`; `importStatusID` -> `import_status_id`.
    static func snakeCase(_ key: String) -> String {
        var result = ""
        let characters = Array(key)
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                let previous = index > 0 ? characters[index - 1] : nil
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                // A word starts at an upper-case letter after a lower-case one or a digit, or at
                // the last capital of an acronym followed by a lower-case letter ("URLPath").
                let startsWord = previous.map { $0.isLowercase || $0.isNumber } ?? false
                    || (previous?.isUppercase == true && next?.isLowercase == true)
                if startsWord && !result.hasSuffix("_") { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A shipment on its way to the store.
public struct ShipmentInfo: Codable, Sendable, Equatable {
    public var id: Int64
    public var orderId: Int64
    /// `pending`, `pushing`, `delivered` or `failed`.
    public var state: String
    public var trackingNumber: String
    public var carrier: String
    public var shippingMethod: String?
    public var items: [ShipmentItemInfo]
    /// Delivery attempts so far.
    public var attempts: Int
    /// The next attempt is not before this time.
    public var nextAttemptAt: Date?
    /// The store's shipment id once delivered.
    public var storeShipmentId: String?
    /// Why the last attempt failed.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64, orderId: Int64, state: String, trackingNumber: String, carrier: String, shippingMethod: String?,
        items: [ShipmentItemInfo], attempts: Int, nextAttemptAt: Date?, storeShipmentId: String?, lastError: String?,
        createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.orderId = orderId
        self.state = state
        self.trackingNumber = trackingNumber
        self.carrier = carrier
        self.shippingMethod = shippingMethod
        self.items = items
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.storeShipmentId = storeShipmentId
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A line and quantity in a shipment.
public struct ShipmentItemInfo: Codable, Sendable, Equatable, Hashable {
    public var lineId: String
    public var quantity: Int
    public init(lineId: String, quantity: Int) {
        self.lineId = lineId
        self.quantity = quantity
    }
}

/// `POST /v1/orders/{id}/release`; the body is optional.
public struct ReleaseRequest: Codable, Sendable, Equatable {
    /// When set, only this worker's claim is released (a worker giving back its own order).
    public var worker: String?
    public init(worker: String? = nil) { self.worker = worker }
}

/// `POST /v1/orders/{id}/hold`.
public struct HoldRequest: Codable, Sendable, Equatable {
    /// Why; shown in `orders list` and the history. Required.
    public var reason: String
    public init(reason: String) { self.reason = reason }
}

/// `POST /v1/orders/{id}/ship`: the warehouse confirms a shipment.
public struct ShipRequest: Codable, Sendable, Equatable {
    /// The carrier's tracking number (at most 50 characters).
    public var tracking: String
    /// The carrier: a BigCommerce shipping provider (`ups`, `fedex`, `usps`, `auspost`,
    /// `canadapost`, `royalmail`, `endicia`, `carrier_{id}` ...) or any other carrier name,
    /// which is sent as the tracking carrier.
    public var carrier: String
    /// The shipping method actually used (free text).
    public var method: String?
    /// The lines and quantities in this shipment; default: everything not shipped yet.
    public var items: [ShipmentItemInfo]?
    /// Ship even though the store cancelled the order after it was claimed.
    public var force: Bool?
    /// When set, the order must be claimed by this worker.
    public var worker: String?
    /// Confirming again with the same key returns the first shipment. Default: derived from the
    /// order, tracking number and items, so repeating the same confirmation is harmless.
    public var idempotencyKey: String?

    public init(
        tracking: String, carrier: String, method: String? = nil, items: [ShipmentItemInfo]? = nil, force: Bool? = nil,
        worker: String? = nil, idempotencyKey: String? = nil
    ) {
        self.tracking = tracking
        self.carrier = carrier
        self.method = method
        self.items = items
        self.force = force
        self.worker = worker
        self.idempotencyKey = idempotencyKey
    }
}

/// The answer to a ship confirmation.
public struct ShipResponse: Codable, Sendable, Equatable {
    public var shipment: ShipmentInfo
    public var order: OrderSummary
    /// False when this confirmation repeated an earlier one (same idempotency key): nothing changed.
    public var created: Bool

    public init(shipment: ShipmentInfo, order: OrderSummary, created: Bool) {
        self.shipment = shipment
        self.order = order
        self.created = created
    }
}
