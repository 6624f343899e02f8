/// What the warehouse needs to ship an order, as imported from the store (DESIGN §2, flows 4 and 7).
///
/// Stored as JSON in `fulfillmentOrder.payload`. New fields must be optional (or have a default
/// when decoding) so that payloads written by an older build still decode.
public struct OrderPayload: Codable, Sendable, Hashable {
    /// The order's line items, in the store's order.
    public var lines: [OrderLine]
    /// Where the order goes; `nil` for orders without a physical destination.
    public var shippingAddress: ShippingAddress?
    /// The store's shipping method name (for example "Free Shipping"), before mapping.
    public var shippingMethod: String?
    /// The message the customer typed at checkout.
    public var customerMessage: String?

    public init(
        lines: [OrderLine] = [],
        shippingAddress: ShippingAddress? = nil,
        shippingMethod: String? = nil,
        customerMessage: String? = nil
    ) {
        self.lines = lines
        self.shippingAddress = shippingAddress
        self.shippingMethod = shippingMethod
        self.customerMessage = customerMessage
    }
}

/// One line item of an order, as the store describes it.
public struct OrderLine: Codable, Sendable, Hashable {
    /// The store's id of this line (BigCommerce order product id); shipments refer to it.
    public var lineID: String
    /// The store SKU; `nil` when the product has none (such an order may be held).
    public var sku: String?
    /// The product name shown to people.
    public var name: String
    /// Ordered quantity.
    public var quantity: Int
    /// False for digital products and gift certificates, which the warehouse never sees.
    public var isPhysical: Bool
    /// The store's product type (BigCommerce `physical`, `digital`, `giftcertificate`); nil in
    /// payloads written before it was recorded.
    public var productType: String?
    /// The store's id of the shipping address this line goes to (BigCommerce `order_address_id`).
    public var addressID: String?

    public init(
        lineID: String, sku: String?, name: String, quantity: Int, isPhysical: Bool = true,
        productType: String? = nil, addressID: String? = nil
    ) {
        self.lineID = lineID
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.isPhysical = isPhysical
        self.productType = productType
        self.addressID = addressID
    }
}

/// A ship-to address. Never logged in full (DESIGN §6).
public struct ShippingAddress: Codable, Sendable, Hashable {
    /// The store's id of this address (BigCommerce `order_address_id`); shipments refer to it.
    public var addressID: String?
    public var firstName: String
    public var lastName: String
    public var company: String?
    public var street1: String
    public var street2: String?
    public var city: String
    public var state: String?
    public var zip: String
    public var country: String
    /// ISO 3166-1 alpha-2 country code.
    public var countryISO2: String
    public var phone: String?
    public var email: String?

    public init(
        addressID: String? = nil, firstName: String, lastName: String, company: String? = nil,
        street1: String, street2: String? = nil, city: String, state: String? = nil, zip: String,
        country: String, countryISO2: String, phone: String? = nil, email: String? = nil
    ) {
        self.addressID = addressID
        self.firstName = firstName
        self.lastName = lastName
        self.company = company
        self.street1 = street1
        self.street2 = street2
        self.city = city
        self.state = state
        self.zip = zip
        self.country = country
        self.countryISO2 = countryISO2
        self.phone = phone
        self.email = email
    }
}
