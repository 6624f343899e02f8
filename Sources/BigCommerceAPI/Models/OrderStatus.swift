/// One of the fixed order statuses (ids 0–14) with the store's labels, from
/// `GET /v2/order_statuses`.
public struct OrderStatus: Sendable, Hashable, Decodable, Identifiable {
    public var id: Int
    /// The system name, e.g. "Awaiting Fulfillment".
    public var name: String
    public var systemLabel: String
    /// The merchant's label; equal to the system label unless renamed.
    public var customLabel: String
    public var systemDescription: String
    /// Display order (`order` in `/order_statuses`, `sort_order` in `/orders/count`).
    public var sortOrder: Int?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.int("id")
        name = try fields.string("name")
        systemLabel = try fields.optionalString("system_label") ?? name
        customLabel = try fields.optionalString("custom_label") ?? systemLabel
        systemDescription = try fields.string("system_description")
        sortOrder = try fields.optionalInt("order") ?? fields.optionalInt("sort_order")
    }

    /// The well-known status ids (fixed by BigCommerce; only labels change).
    public enum WellKnownID {
        public static let incomplete = 0
        public static let pending = 1
        public static let shipped = 2
        public static let partiallyShipped = 3
        public static let refunded = 4
        public static let cancelled = 5
        public static let declined = 6
        public static let awaitingPayment = 7
        public static let awaitingPickup = 8
        public static let awaitingShipment = 9
        public static let completed = 10
        public static let awaitingFulfillment = 11
        public static let manualVerificationRequired = 12
        public static let disputed = 13
        public static let partiallyRefunded = 14
    }
}
