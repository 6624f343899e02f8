import Foundation

// The sandbox's own order model, written from bigcommerce-api.md (§1–§4). It shares nothing with
// the BigCommerceAPI module on purpose (DESIGN §8).

/// The fixed order statuses 0–14 (bigcommerce-api.md §3).
public enum SandboxOrderStatus {
    /// `(id, system name, display order, description)`
    public static let all: [(id: Int, name: String, order: Int, description: String)] = [
        (0, "Incomplete", 0, "An incomplete order happens when a shopper reached the payment page, but did not complete the transaction."),
        (1, "Pending", 1, "Customer started the checkout process, but did not complete it."),
        (2, "Shipped", 8, "Order has been shipped, but receipt has not been confirmed; seller has used the Ship Items action."),
        (3, "Partially Shipped", 6, "Only some items in the order have been shipped, due to some products being pre-order only or other reasons."),
        (4, "Refunded", 11, "Seller has used the Refund action."),
        (5, "Cancelled", 9, "Seller has cancelled an order, due to a stock inconsistency or other reasons."),
        (6, "Declined", 10, "Seller has marked the order as declined for lack of manual payment, or other reasons."),
        (7, "Awaiting Payment", 2, "Customer has completed checkout process, but payment has yet to be confirmed."),
        (8, "Awaiting Pickup", 5, "Order has been pulled, and is awaiting customer pickup from a seller-specified location."),
        (9, "Awaiting Shipment", 4, "Order has been pulled and packaged, and is awaiting collection from a shipping provider."),
        (10, "Completed", 7, "Client has paid for their digital product and their file(s) are available for download."),
        (11, "Awaiting Fulfillment", 3, "Customer has completed the checkout process and payment has been confirmed."),
        (12, "Manual Verification Required", 13, "Order on hold while some aspect needs to be manually confirmed."),
        (13, "Disputed", 12, "Customer has initiated a dispute resolution process for the PayPal transaction that paid for the order."),
        (14, "Partially Refunded", 14, "Seller has partially refunded the order."),
    ]

    public static let incomplete = 0, pending = 1, shipped = 2, partiallyShipped = 3, refunded = 4, cancelled = 5,
        declined = 6, awaitingPayment = 7, awaitingPickup = 8, awaitingShipment = 9, completed = 10,
        awaitingFulfillment = 11, manualVerificationRequired = 12, disputed = 13, partiallyRefunded = 14

    public static func name(_ id: Int) -> String { (0...14).contains(id) ? all[id].name : "Unknown" }
    public static func isValid(_ id: Int) -> Bool { (0...14).contains(id) }
}

/// A postal address (billing or shipping).
public struct SandboxAddress: Sendable, Hashable, Codable {
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

    public init(
        firstName: String, lastName: String, company: String = "", street1: String, street2: String = "",
        city: String, state: String, zip: String, country: String = "United States", countryISO2: String = "US",
        phone: String = "", email: String = ""
    ) {
        self.firstName = firstName; self.lastName = lastName; self.company = company
        self.street1 = street1; self.street2 = street2; self.city = city; self.state = state; self.zip = zip
        self.country = country; self.countryISO2 = countryISO2; self.phone = phone; self.email = email
    }
}

/// An order shipping address (`/orders/{id}/shipping_addresses`); its `id` is a shipment's `order_address_id`.
public struct SandboxShippingAddress: Sendable, Hashable, Codable {
    public var id: Int
    public var address: SandboxAddress
    public var shippingMethod: String
    public var cost: SandboxMoney

    public init(id: Int, address: SandboxAddress, shippingMethod: String = "Flat Rate", cost: SandboxMoney = .zero) {
        self.id = id; self.address = address; self.shippingMethod = shippingMethod; self.cost = cost
    }
}

/// The kind of an order line (`type` on `/orders/{id}/products`).
public enum SandboxLineType: String, Sendable, Codable, CaseIterable {
    case physical, digital, giftcertificate
}

/// A product option on a line (variant choice).
public struct SandboxLineOption: Sendable, Hashable, Codable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// An order line (`/orders/{id}/products`); its `id` is a shipment item's `order_product_id`.
public struct SandboxLineItem: Sendable, Hashable, Codable {
    public var id: Int
    public var productID: Int
    public var variantID: Int
    public var name: String
    public var sku: String
    public var type: SandboxLineType
    /// Unit price excluding tax.
    public var price: SandboxMoney
    public var quantity: Int
    public var quantityShipped: Int
    public var weight: String
    /// The shipping address this line ships to (0 for digital/gift-certificate lines).
    public var orderAddressID: Int
    public var options: [SandboxLineOption]

    public init(
        id: Int = 0, productID: Int, variantID: Int = 0, name: String, sku: String, type: SandboxLineType = .physical,
        price: SandboxMoney, quantity: Int, quantityShipped: Int = 0, weight: String = "1.0000", orderAddressID: Int = 0,
        options: [SandboxLineOption] = []
    ) {
        self.id = id; self.productID = productID; self.variantID = variantID; self.name = name; self.sku = sku
        self.type = type; self.price = price; self.quantity = quantity; self.quantityShipped = quantityShipped
        self.weight = weight; self.orderAddressID = orderAddressID; self.options = options
    }
}

/// A coupon applied to an order (`/orders/{id}/coupons`).
public struct SandboxCoupon: Sendable, Hashable, Codable {
    public var id: Int
    public var couponID: Int
    public var code: String
    public var amount: SandboxMoney
    public init(id: Int, couponID: Int, code: String, amount: SandboxMoney) {
        self.id = id; self.couponID = couponID; self.code = code; self.amount = amount
    }
}

/// An order as the store holds it.
public struct SandboxOrder: Sendable, Hashable, Codable {
    public var id: Int
    public var customerID: Int
    public var dateCreated: SandboxTimestamp
    public var dateModified: SandboxTimestamp
    /// When the order became fully shipped; nil renders as `""`.
    public var dateShipped: SandboxTimestamp?
    public var statusID: Int
    public var cartID: String
    public var billingAddress: SandboxAddress
    public var shippingAddresses: [SandboxShippingAddress]
    public var lines: [SandboxLineItem]
    public var coupons: [SandboxCoupon]
    public var paymentMethod: String
    public var paymentStatus: String
    public var currencyCode: String
    public var channelID: Int
    public var externalOrderID: String
    public var externalSource: String?
    public var orderSource: String
    public var customerMessage: String
    public var staffNotes: String
    public var ipAddress: String
    /// Sales tax rate in basis points applied to lines and shipping (0 = no tax).
    public var taxBasisPoints: Int
    public var handlingCost: SandboxMoney
    public var discountAmount: SandboxMoney
    public var refundedAmount: SandboxMoney
    /// Archived (`is_deleted`).
    public var isDeleted: Bool
    public var customerLocale: String

    public init(
        id: Int = 0, customerID: Int = 0, dateCreated: SandboxTimestamp = 0, dateModified: SandboxTimestamp = 0,
        dateShipped: SandboxTimestamp? = nil, statusID: Int = SandboxOrderStatus.awaitingFulfillment, cartID: String = "",
        billingAddress: SandboxAddress, shippingAddresses: [SandboxShippingAddress], lines: [SandboxLineItem],
        coupons: [SandboxCoupon] = [], paymentMethod: String = "Credit Card", paymentStatus: String = "captured",
        currencyCode: String = "USD", channelID: Int = 1, externalOrderID: String = "", externalSource: String? = nil,
        orderSource: String = "www", customerMessage: String = "", staffNotes: String = "", ipAddress: String = "127.0.0.1",
        taxBasisPoints: Int = 0, handlingCost: SandboxMoney = .zero, discountAmount: SandboxMoney = .zero,
        refundedAmount: SandboxMoney = .zero, isDeleted: Bool = false, customerLocale: String = "en"
    ) {
        self.id = id; self.customerID = customerID; self.dateCreated = dateCreated; self.dateModified = dateModified
        self.dateShipped = dateShipped; self.statusID = statusID; self.cartID = cartID; self.billingAddress = billingAddress
        self.shippingAddresses = shippingAddresses; self.lines = lines; self.coupons = coupons
        self.paymentMethod = paymentMethod; self.paymentStatus = paymentStatus; self.currencyCode = currencyCode
        self.channelID = channelID; self.externalOrderID = externalOrderID; self.externalSource = externalSource
        self.orderSource = orderSource; self.customerMessage = customerMessage; self.staffNotes = staffNotes
        self.ipAddress = ipAddress; self.taxBasisPoints = taxBasisPoints; self.handlingCost = handlingCost
        self.discountAmount = discountAmount; self.refundedAmount = refundedAmount; self.isDeleted = isDeleted
        self.customerLocale = customerLocale
    }

    // MARK: derived amounts

    public var subtotalExTax: SandboxMoney { lines.reduce(.zero) { $0 + $1.price * $1.quantity } }
    public var subtotalTax: SandboxMoney { subtotalExTax.applying(basisPoints: taxBasisPoints) }
    public var shippingCostExTax: SandboxMoney { shippingAddresses.reduce(.zero) { $0 + $1.cost } }
    public var shippingCostTax: SandboxMoney { shippingCostExTax.applying(basisPoints: taxBasisPoints) }
    public var totalExTax: SandboxMoney { subtotalExTax + shippingCostExTax + handlingCost - discountAmount }
    public var totalTax: SandboxMoney { subtotalTax + shippingCostTax }
    public var totalIncTax: SandboxMoney { totalExTax + totalTax }
    public var itemsTotal: Int { lines.reduce(0) { $0 + $1.quantity } }
    public var itemsShipped: Int { lines.reduce(0) { $0 + $1.quantityShipped } }
    public var isDigital: Bool { !lines.isEmpty && lines.allSatisfy { $0.type != .physical } }
    /// Total quantity of physical lines, the part a shipment can ship.
    public var shippableQuantity: Int { lines.filter { $0.type == .physical }.reduce(0) { $0 + $1.quantity } }
    public var shippedPhysicalQuantity: Int { lines.filter { $0.type == .physical }.reduce(0) { $0 + $1.quantityShipped } }
}

/// One item of a shipment.
public struct SandboxShipmentItem: Sendable, Hashable, Codable {
    public var orderProductID: Int
    public var productID: Int
    public var quantity: Int
    public init(orderProductID: Int, productID: Int, quantity: Int) {
        self.orderProductID = orderProductID; self.productID = productID; self.quantity = quantity
    }
}

/// A shipment as created by `POST /orders/{id}/shipments`.
public struct SandboxShipment: Sendable, Hashable, Codable {
    public var id: Int
    public var orderID: Int
    public var customerID: Int
    public var orderAddressID: Int
    public var dateCreated: SandboxTimestamp
    public var trackingNumber: String
    public var shippingMethod: String
    public var shippingProvider: String
    public var trackingCarrier: String
    public var trackingLink: String
    public var comments: String
    public var merchantShippingCost: SandboxMoney
    public var billingAddress: SandboxAddress
    public var shippingAddress: SandboxAddress
    public var items: [SandboxShipmentItem]
}
