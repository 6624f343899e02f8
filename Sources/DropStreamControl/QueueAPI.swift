import Foundation

// The warehouse's side of the control API (DESIGN §2 flow 7, §7, issue 6): claim orders under a
// lease and keep the lease alive. Shipping, releasing and holding are in OrdersAPI.swift.
//
//   curl --unix-socket /run/dropstream/control.sock -X POST http://localhost/v1/queue/claim \
//        -H 'Content-Type: application/json' -d '{"worker":"picker-1","limit":5}'

extension ControlAPI.Path {
    /// `POST` with ``ClaimRequest``: atomically claims the oldest `ready` orders (``ClaimResponse``).
    public static let queueClaim = "/v1/queue/claim"

    /// `POST` with ``HeartbeatRequest``: extends the worker's leases (``HeartbeatResponse``).
    public static let queueHeartbeat = "/v1/queue/heartbeat"
}

/// `POST /v1/queue/claim`.
public struct ClaimRequest: Codable, Sendable, Equatable {
    /// The worker's name: who holds the lease, and the actor in each order's history.
    public var worker: String
    /// At most this many orders (1–500). Default 1.
    public var limit: Int?
    /// The lease in seconds; default the daemon's `queue.default_lease`, at most `queue.max_lease`.
    public var leaseSeconds: Int?
    /// Only orders of this store (by name).
    public var store: String?

    public init(worker: String, limit: Int? = nil, leaseSeconds: Int? = nil, store: String? = nil) {
        self.worker = worker
        self.limit = limit
        self.leaseSeconds = leaseSeconds
        self.store = store
    }
}

/// The answer to a claim: the claimed orders, oldest first; empty when the queue is empty.
public struct ClaimResponse: Codable, Sendable, Equatable {
    public var worker: String
    public var orders: [ClaimedOrder]

    public init(worker: String, orders: [ClaimedOrder]) {
        self.worker = worker
        self.orders = orders
    }
}

/// Everything a warehouse needs to pick, pack and ship one order.
public struct ClaimedOrder: Codable, Sendable, Equatable {
    /// DropStream's order id: what `orders ship ID` and the other order routes take.
    public var id: Int64
    /// The store's name in DropStream.
    public var store: String
    /// The store's own order id (the number the merchant and customer see).
    public var storeOrderId: String
    /// The worker holding the lease.
    public var claimedBy: String
    /// The lease runs out at this time unless extended with a heartbeat.
    public var leaseExpiresAt: Date
    /// Where it goes; nil for an order without a physical destination.
    public var shipTo: AddressInfo?
    /// The store's shipping method (e.g. "Free Shipping").
    public var shippingMethod: String?
    /// The lines to ship (physical lines only; digital lines and gift certificates are left out).
    public var lines: [OrderLineInfo]
    /// What the customer wrote at checkout.
    public var customerMessage: String?
    /// The warehouse service code the store's shipping method maps to (`shipping map`, or the
    /// `shipping.unmapped` default); nil when unmapped under `pass`. Nil from daemons before it existed.
    public var serviceCode: String?
    /// What to pick: warehouse SKUs and quantities after the store's SKU rules (mapped, kits
    /// expanded, ignored lines dropped), each naming the store line it comes from. Resolved at
    /// claim time with the rules in force then. Nil from daemons before it existed.
    public var warehouseLines: [WarehouseLineInfo]?

    public init(
        id: Int64, store: String, storeOrderId: String, claimedBy: String, leaseExpiresAt: Date,
        shipTo: AddressInfo?, shippingMethod: String?, lines: [OrderLineInfo], customerMessage: String?,
        serviceCode: String? = nil, warehouseLines: [WarehouseLineInfo]? = nil
    ) {
        self.serviceCode = serviceCode
        self.warehouseLines = warehouseLines
        self.id = id
        self.store = store
        self.storeOrderId = storeOrderId
        self.claimedBy = claimedBy
        self.leaseExpiresAt = leaseExpiresAt
        self.shipTo = shipTo
        self.shippingMethod = shippingMethod
        self.lines = lines
        self.customerMessage = customerMessage
    }
}

/// One line the warehouse picks, after SKU rules.
public struct WarehouseLineInfo: Codable, Sendable, Equatable {
    /// The store line it comes from (what `--items LINE:QTY` on `orders ship` refers to).
    public var lineId: String
    /// The store SKU of that line.
    public var sku: String
    /// The warehouse SKU to pick.
    public var warehouseSku: String
    public var quantity: Int

    public init(lineId: String, sku: String, warehouseSku: String, quantity: Int) {
        self.lineId = lineId
        self.sku = sku
        self.warehouseSku = warehouseSku
        self.quantity = quantity
    }
}

/// One line of an order.
public struct OrderLineInfo: Codable, Sendable, Equatable {
    /// The store's line id (BigCommerce `order_product_id`): what `--items LINE:QTY` refers to.
    public var lineId: String
    /// The store SKU; nil when the product has none.
    public var sku: String?
    public var name: String
    /// Ordered quantity.
    public var quantity: Int
    /// Quantity in shipments confirmed so far.
    public var quantityShipped: Int
    /// False for digital products and gift certificates (never shipped).
    public var isPhysical: Bool

    public init(lineId: String, sku: String?, name: String, quantity: Int, quantityShipped: Int, isPhysical: Bool) {
        self.lineId = lineId
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.quantityShipped = quantityShipped
        self.isPhysical = isPhysical
    }
}

/// A ship-to address.
public struct AddressInfo: Codable, Sendable, Equatable {
    /// The store's id of the address (BigCommerce `order_address_id`).
    public var addressId: String?
    public var firstName: String
    public var lastName: String
    public var company: String?
    public var street1: String
    public var street2: String?
    public var city: String
    public var state: String?
    public var zip: String
    public var country: String
    /// ISO 3166-1 alpha-2.
    public var countryIso2: String
    public var phone: String?
    public var email: String?

    public init(
        addressId: String?, firstName: String, lastName: String, company: String?, street1: String, street2: String?,
        city: String, state: String?, zip: String, country: String, countryIso2: String, phone: String?, email: String?
    ) {
        self.addressId = addressId
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.street1 = street1
        self.street2 = street2
        self.city = city
        self.state = state
        self.zip = zip
        self.country = country
        self.countryIso2 = countryIso2
        self.phone = phone
        self.email = email
    }
}

/// `POST /v1/queue/heartbeat`: extend leases the worker holds.
public struct HeartbeatRequest: Codable, Sendable, Equatable {
    public var worker: String
    /// DropStream order ids.
    public var orderIds: [Int64]
    /// The new lease, counted from now; default `queue.default_lease`.
    public var leaseSeconds: Int?

    public init(worker: String, orderIds: [Int64], leaseSeconds: Int? = nil) {
        self.worker = worker
        self.orderIds = orderIds
        self.leaseSeconds = leaseSeconds
    }
}

/// The answer to a heartbeat.
public struct HeartbeatResponse: Codable, Sendable, Equatable {
    /// One per order whose lease was extended.
    public struct Lease: Codable, Sendable, Equatable {
        public var id: Int64
        public var leaseExpiresAt: Date
        public init(id: Int64, leaseExpiresAt: Date) {
            self.id = id
            self.leaseExpiresAt = leaseExpiresAt
        }
    }
    public var extended: [Lease]
    /// Orders this worker no longer holds (lease expired and rescued, released, shipped, or
    /// never claimed by it): the worker must stop working on them.
    public var lost: [Int64]

    public init(extended: [Lease], lost: [Int64]) {
        self.extended = extended
        self.lost = lost
    }
}
