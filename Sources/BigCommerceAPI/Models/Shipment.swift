import Foundation

/// A shipment as `POST`/`GET /v2/orders/{id}/shipments` return it.
public struct Shipment: Sendable, Hashable, Decodable, Identifiable {
    public var id: Int
    public var orderID: Int
    public var customerID: Int?
    public var orderAddressID: Int
    public var dateCreated: Date?
    public var trackingNumber: String
    public var shippingMethod: String
    public var shippingProvider: String
    public var trackingCarrier: String
    public var trackingLink: String
    public var generatedTrackingLink: String
    public var shippingProviderDisplayName: String
    public var comments: String
    public var merchantShippingCost: Decimal?
    public var items: [ShipmentItem]

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.int("id")
        orderID = try fields.int("order_id")
        customerID = try fields.optionalInt("customer_id")
        orderAddressID = try fields.intOrZero("order_address_id")
        dateCreated = try fields.optionalDate("date_created")
        trackingNumber = try fields.string("tracking_number")
        shippingMethod = try fields.string("shipping_method")
        shippingProvider = try fields.string("shipping_provider")
        trackingCarrier = try fields.string("tracking_carrier")
        trackingLink = try fields.string("tracking_link")
        generatedTrackingLink = try fields.string("generated_tracking_link")
        shippingProviderDisplayName = try fields.string("shipping_provider_display_name")
        comments = try fields.string("comments")
        merchantShippingCost = try fields.optionalDecimal("merchant_shipping_cost")
        items = try fields.optional([ShipmentItem].self, "items") ?? []
    }
}

/// A line in a shipment: which order line, how many.
public struct ShipmentItem: Sendable, Hashable, Codable {
    /// The order line's ``OrderProduct/id``.
    public var orderProductID: Int
    public var quantity: Int
    /// Filled in by the API on responses; not sent.
    public var productID: Int?

    public init(orderProductID: Int, quantity: Int) {
        self.orderProductID = orderProductID
        self.quantity = quantity
        self.productID = nil
    }

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        orderProductID = try fields.int("order_product_id")
        quantity = try fields.int("quantity")
        productID = try fields.optionalInt("product_id")
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encode(orderProductID, forKey: WireKey("order_product_id"))
        try container.encode(quantity, forKey: WireKey("quantity"))
    }
}

/// The body of `POST /v2/orders/{id}/shipments`.
public struct NewShipment: Sendable, Hashable, Encodable {
    /// The shipping address's ``OrderShippingAddress/id``.
    public var orderAddressID: Int
    public var items: [ShipmentItem]
    /// At most 50 characters (API limit).
    public var trackingNumber: String?
    /// `""`, `ups`, `fedex`, `usps`, ... or `carrier_{id}`.
    public var shippingProvider: String?
    /// An AfterShip courier slug or `""`.
    public var trackingCarrier: String?
    /// A custom tracking link (at most 500 characters).
    public var trackingLink: String?
    public var shippingMethod: String?
    public var comments: String?

    public init(
        orderAddressID: Int, items: [ShipmentItem], trackingNumber: String? = nil, shippingProvider: String? = nil,
        trackingCarrier: String? = nil, trackingLink: String? = nil, shippingMethod: String? = nil, comments: String? = nil
    ) {
        self.orderAddressID = orderAddressID
        self.items = items
        self.trackingNumber = trackingNumber
        self.shippingProvider = shippingProvider
        self.trackingCarrier = trackingCarrier
        self.trackingLink = trackingLink
        self.shippingMethod = shippingMethod
        self.comments = comments
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encode(orderAddressID, forKey: WireKey("order_address_id"))
        try container.encode(items, forKey: WireKey("items"))
        try container.encodeIfPresent(trackingNumber, forKey: WireKey("tracking_number"))
        try container.encodeIfPresent(shippingProvider, forKey: WireKey("shipping_provider"))
        try container.encodeIfPresent(trackingCarrier, forKey: WireKey("tracking_carrier"))
        try container.encodeIfPresent(trackingLink, forKey: WireKey("tracking_link"))
        try container.encodeIfPresent(shippingMethod, forKey: WireKey("shipping_method"))
        try container.encodeIfPresent(comments, forKey: WireKey("comments"))
    }
}
