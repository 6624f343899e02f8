import Foundation

/// An order as `GET /v2/orders` and `GET /v2/orders/{id}` return it.
///
/// Only the fields an order-sync needs are modelled; unknown fields are ignored and optional
/// ones may be missing. Money is `Decimal` (the API sends strings like `"361.9500"`), dates are
/// parsed from RFC 2822.
public struct Order: Sendable, Hashable, Decodable, Identifiable {
    public var id: Int
    public var customerID: Int
    public var dateCreated: Date
    public var dateModified: Date
    /// When the order became fully shipped; nil while the API sends `""`.
    public var dateShipped: Date?
    /// The status id (0–14). Key on this, never on the names: merchants rename labels.
    public var statusID: Int
    /// The system name of the status, e.g. "Awaiting Fulfillment".
    public var status: String
    /// The merchant's label for the status.
    public var customStatus: String
    public var cartID: String?
    public var subtotalExTax: Decimal
    public var subtotalIncTax: Decimal
    public var subtotalTax: Decimal
    public var baseShippingCost: Decimal
    public var shippingCostExTax: Decimal
    public var shippingCostIncTax: Decimal
    public var shippingCostTax: Decimal
    public var handlingCostIncTax: Decimal
    public var wrappingCostIncTax: Decimal
    public var totalExTax: Decimal
    public var totalIncTax: Decimal
    public var totalTax: Decimal
    public var discountAmount: Decimal
    public var couponDiscount: Decimal
    public var refundedAmount: Decimal
    public var storeCreditAmount: Decimal
    public var giftCertificateAmount: Decimal
    public var isTaxInclusivePricing: Bool
    public var itemsTotal: Int
    public var itemsShipped: Int
    public var paymentMethod: String
    /// String, number or null on the wire; normalised to text (nil for null or `""`).
    public var paymentProviderID: String?
    public var paymentStatus: String
    /// Untyped on the wire (`null`, `{}`, a string); kept as is.
    public var creditCardType: JSONValue?
    public var orderIsDigital: Bool
    public var currencyCode: String
    public var defaultCurrencyCode: String
    public var storeDefaultCurrencyCode: String
    public var currencyExchangeRate: Decimal?
    public var staffNotes: String
    public var customerMessage: String
    public var shippingAddressCount: Int
    /// The archived flag.
    public var isDeleted: Bool
    public var billingAddress: OrderAddress?
    public var orderSource: String
    public var channelID: Int
    public var externalSource: String?
    public var externalID: String?
    public var externalOrderID: String?
    public var customerLocale: String?
    /// Present only when the order was fetched with `include=consignments...` and
    /// `consignment_structure=object`; nil when the API sent a link instead.
    public var consignments: OrderConsignments?

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        id = try fields.int("id")
        customerID = try fields.intOrZero("customer_id")
        dateCreated = try fields.date("date_created")
        // date_modified is always present in practice; fall back to creation rather than fail.
        dateModified = try fields.optionalDate("date_modified") ?? dateCreated
        dateShipped = try fields.optionalDate("date_shipped")
        statusID = try fields.int("status_id")
        status = try fields.string("status")
        customStatus = try fields.string("custom_status")
        cartID = try fields.optionalString("cart_id")
        subtotalExTax = try fields.decimalOrZero("subtotal_ex_tax")
        subtotalIncTax = try fields.decimalOrZero("subtotal_inc_tax")
        subtotalTax = try fields.decimalOrZero("subtotal_tax")
        baseShippingCost = try fields.decimalOrZero("base_shipping_cost")
        shippingCostExTax = try fields.decimalOrZero("shipping_cost_ex_tax")
        shippingCostIncTax = try fields.decimalOrZero("shipping_cost_inc_tax")
        shippingCostTax = try fields.decimalOrZero("shipping_cost_tax")
        handlingCostIncTax = try fields.decimalOrZero("handling_cost_inc_tax")
        wrappingCostIncTax = try fields.decimalOrZero("wrapping_cost_inc_tax")
        totalExTax = try fields.decimalOrZero("total_ex_tax")
        totalIncTax = try fields.decimalOrZero("total_inc_tax")
        totalTax = try fields.decimalOrZero("total_tax")
        discountAmount = try fields.decimalOrZero("discount_amount")
        couponDiscount = try fields.decimalOrZero("coupon_discount")
        refundedAmount = try fields.decimalOrZero("refunded_amount")
        storeCreditAmount = try fields.decimalOrZero("store_credit_amount")
        giftCertificateAmount = try fields.decimalOrZero("gift_certificate_amount")
        isTaxInclusivePricing = try fields.bool("is_tax_inclusive_pricing")
        itemsTotal = try fields.intOrZero("items_total")
        itemsShipped = try fields.intOrZero("items_shipped")
        paymentMethod = try fields.string("payment_method")
        let provider = try fields.optionalString("payment_provider_id")
        paymentProviderID = provider?.isEmpty == true ? nil : provider
        paymentStatus = try fields.string("payment_status")
        creditCardType = try? fields.optional(JSONValue.self, "credit_card_type")
        orderIsDigital = try fields.bool("order_is_digital")
        currencyCode = try fields.string("currency_code")
        defaultCurrencyCode = try fields.string("default_currency_code")
        storeDefaultCurrencyCode = try fields.string("store_default_currency_code")
        currencyExchangeRate = try fields.optionalDecimal("currency_exchange_rate")
        staffNotes = try fields.string("staff_notes")
        customerMessage = try fields.string("customer_message")
        shippingAddressCount = try fields.intOrZero("shipping_address_count")
        isDeleted = try fields.bool("is_deleted")
        billingAddress = try fields.optional(OrderAddress.self, "billing_address")
        orderSource = try fields.string("order_source")
        channelID = try fields.optionalInt("channel_id") ?? 1
        externalSource = try fields.optionalString("external_source")
        externalID = try fields.optionalString("external_id")
        externalOrderID = try fields.optionalString("external_order_id")
        customerLocale = try fields.optionalString("customer_locale")
        consignments = try fields.optional(ConsignmentsField.self, "consignments")?.consignments
    }
}

/// A postal address as the order's `billing_address` carries it (and the common part of
/// shipping addresses).
public struct OrderAddress: Sendable, Hashable, Decodable {
    public var firstName: String
    public var lastName: String
    public var company: String
    public var street1: String
    public var street2: String
    public var city: String
    public var state: String
    public var zip: String
    public var country: String
    public var countryISO2: String
    public var phone: String
    public var email: String

    public init(from decoder: any Decoder) throws {
        let fields = try LenientFields(decoder)
        try self.init(fields)
    }

    init(_ fields: LenientFields) throws {
        firstName = try fields.string("first_name")
        lastName = try fields.string("last_name")
        company = try fields.string("company")
        street1 = try fields.string("street_1")
        street2 = try fields.string("street_2")
        city = try fields.string("city")
        state = try fields.string("state")
        // Postal codes are strings, but a purely numeric one may come as a number.
        zip = try fields.string("zip")
        country = try fields.string("country")
        countryISO2 = try fields.string("country_iso2")
        phone = try fields.string("phone")
        email = try fields.string("email")
    }
}
