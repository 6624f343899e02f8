import Foundation

/// One order line from `GET /v2/orders/{id}/products` (and, as far as the reference shows, the
/// `line_items` embedded in consignments). Its ``id`` is the `order_product_id` a shipment names.
public struct OrderProduct: Sendable, Hashable, Decodable, Identifiable {
    public var id: Int
    public var orderID: Int?
    public var productID: Int?
    public var variantID: Int?
    /// The shipping address this line ships to; 0 for pickup items.
    public var orderAddressID: Int?
    public var name: String
    public var nameCustomer: String?
    public var nameMerchant: String?
    public var sku: String
    public var upc: String?
    /// `physical`, `digital` or `giftcertificate`.
    public var type: String
    public var basePrice: Decimal
    public var priceExTax: Decimal
    public var priceIncTax: Decimal
    public var totalExTax: Decimal
    public var totalIncTax: Decimal
    public var quantity: Int
    public var quantityShipped: Int
    public var quantityRefunded: Int
    /// A number or a numeric string on the wire.
    public var weight: Decimal?
    /// Set on the children of a bundle.
    public var parentOrderProductID: Int?
    public var isBundledProduct: Bool
    public var binPickingNumber: String?
    public var productOptions: [OrderProductOption]

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.int("id")
        orderID = try fields.optionalInt("order_id")
        productID = try fields.optionalInt("product_id")
        variantID = try fields.optionalInt("variant_id")
        orderAddressID = try fields.optionalInt("order_address_id")
        nameCustomer = try fields.optionalString("name_customer")
        nameMerchant = try fields.optionalString("name_merchant")
        name = try fields.optionalString("name") ?? nameCustomer ?? ""
        sku = try fields.string("sku")
        upc = try fields.optionalString("upc")
        type = try fields.optionalString("type") ?? "physical"
        basePrice = try fields.decimalOrZero("base_price")
        priceExTax = try fields.decimalOrZero("price_ex_tax")
        priceIncTax = try fields.decimalOrZero("price_inc_tax")
        totalExTax = try fields.decimalOrZero("total_ex_tax")
        totalIncTax = try fields.decimalOrZero("total_inc_tax")
        quantity = try fields.intOrZero("quantity")
        quantityShipped = try fields.intOrZero("quantity_shipped")
        quantityRefunded = try fields.intOrZero("quantity_refunded")
        weight = try fields.optionalDecimal("weight")
        let parent = try fields.optionalInt("parent_order_product_id")
        parentOrderProductID = parent == 0 ? nil : parent
        isBundledProduct = try fields.bool("is_bundled_product")
        binPickingNumber = try fields.optionalString("bin_picking_number")
        productOptions = try fields.optional([OrderProductOption].self, "product_options") ?? []
    }
}

/// A chosen product option on an order line (size, colour, engraving text).
public struct OrderProductOption: Sendable, Hashable, Decodable {
    public var id: Int?
    public var optionID: Int?
    public var displayName: String
    public var displayValue: String
    public var value: String
    public var type: String

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.optionalInt("id")
        optionID = try fields.optionalInt("option_id")
        displayName = try fields.string("display_name")
        displayValue = try fields.string("display_value")
        value = try fields.string("value")
        type = try fields.string("type")
    }
}

/// A shipping address of an order (`GET /v2/orders/{id}/shipping_addresses`). Its ``id`` is the
/// `order_address_id` a shipment names.
public struct OrderShippingAddress: Sendable, Hashable, Decodable, Identifiable {
    public var id: Int
    public var orderID: Int?
    public var address: OrderAddress
    public var itemsTotal: Int
    public var itemsShipped: Int
    /// Free text, e.g. "Flat Rate", "Free Shipping".
    public var shippingMethod: String
    public var baseCost: Decimal
    public var costExTax: Decimal
    public var costIncTax: Decimal
    public var costTax: Decimal
    public var shippingZoneID: Int?
    public var shippingZoneName: String?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        try self.init(fields)
    }

    init(_ fields: LenientFields) throws {
        // Consignment entries are addresses too; the reference does not pin the id's name there.
        id = try fields.optionalInt("id") ?? fields.int("address_id")
        orderID = try fields.optionalInt("order_id")
        address = try OrderAddress(fields)
        itemsTotal = try fields.intOrZero("items_total")
        itemsShipped = try fields.intOrZero("items_shipped")
        shippingMethod = try fields.string("shipping_method")
        baseCost = try fields.decimalOrZero("base_cost")
        costExTax = try fields.decimalOrZero("cost_ex_tax")
        costIncTax = try fields.decimalOrZero("cost_inc_tax")
        costTax = try fields.decimalOrZero("cost_tax")
        shippingZoneID = try fields.optionalInt("shipping_zone_id")
        shippingZoneName = try fields.optionalString("shipping_zone_name")
    }
}

/// The order's consignments when asked for with
/// `include=consignments.line_items&consignment_structure=object`.
///
/// The reference describes this shape but does not fully exemplify it (partly UNCONFIRMED), so
/// decoding is deliberately loose: the object form and an array of such objects are both
/// accepted, every list may be missing, and pickups/downloads are kept untyped.
public struct OrderConsignments: Sendable, Hashable {
    /// Shipping consignments: one per shipping address, each with its lines.
    public var shipping: [ShippingConsignment]
    public var pickups: [JSONValue]
    public var downloads: [JSONValue]
}

/// A shipping address of the order with the lines shipping to it.
public struct ShippingConsignment: Sendable, Hashable, Decodable {
    /// The address (its `id` is the shipment's `order_address_id`).
    public var address: OrderShippingAddress
    /// The embedded lines; nil when the API sent a link instead of embedding them.
    public var lineItems: [OrderProduct]?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        address = try OrderShippingAddress(fields)
        lineItems = try fields.embeddedArray(OrderProduct.self, "line_items")
    }
}

/// The `consignments` field in any of its shapes: a link (→ nil), an object, or an array of
/// objects (merged).
struct ConsignmentsField: Decodable {
    var consignments: OrderConsignments?

    private struct Part: Decodable {
        var shipping: [ShippingConsignment]
        var pickups: [JSONValue]
        var downloads: [JSONValue]
        var isLink: Bool

        init(from decoder: any Decoder) throws {
            let fields = try LenientFields(decoder)
            isLink = fields.has("url") || fields.has("resource")
            shipping = try fields.embeddedArray(ShippingConsignment.self, "shipping") ?? []
            pickups = try fields.embeddedArray(JSONValue.self, "pickups") ?? []
            downloads = try fields.embeddedArray(JSONValue.self, "downloads") ?? []
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let parts: [Part]
        if let array = try? container.decode([Part].self) {
            parts = array
        } else {
            parts = [try container.decode(Part.self)]
        }
        if parts.allSatisfy(\.isLink) {
            consignments = nil
            return
        }
        consignments = OrderConsignments(
            shipping: parts.flatMap(\.shipping), pickups: parts.flatMap(\.pickups), downloads: parts.flatMap(\.downloads))
    }
}
