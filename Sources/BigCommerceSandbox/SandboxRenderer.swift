/// Renders the v2 wire format (bigcommerce-api.md §1–§4): bare JSON arrays, money as 4-decimal
/// strings, RFC 2822 UTC dates, `{url, resource}` links pointing at the sandbox's own base URL.
struct SandboxRenderer {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    let baseURL: String

    enum Consignments { case link, object(withLines: Bool), legacyArray(withLines: Bool) }

    private func link(_ w: inout JSONWriter, _ key: StaticString, store: String, resource: String) {
        w.key(key)
        w.beginObject()
        w.field("url", "\(baseURL)/stores/\(store)/v2\(resource)")
        w.field("resource", resource)
        w.endObject()
    }

    private static let zero = "0.0000"

    func order(_ w: inout JSONWriter, _ o: SandboxOrder, store: StoreData, consignments: Consignments, fees: Bool = false) {
        let hash = store.hash
        let subEx = o.subtotalExTax, subTax = o.subtotalTax
        let shipEx = o.shippingCostExTax, shipTax = o.shippingCostTax
        w.beginObject()
        w.field("id", o.id)
        w.field("customer_id", o.customerID)
        w.dateField("date_created", o.dateCreated)
        w.field("is_tax_inclusive_pricing", false)
        w.dateField("date_modified", o.dateModified)
        if let d = o.dateShipped { w.dateField("date_shipped", d) } else { w.field("date_shipped", "") }
        w.field("status_id", o.statusID)
        w.field("status", SandboxOrderStatus.name(o.statusID))
        w.field("custom_status", store.label(o.statusID))
        w.field("cart_id", o.cartID)
        w.field("subtotal_ex_tax", subEx)
        w.field("subtotal_inc_tax", subEx + subTax)
        w.field("subtotal_tax", subTax)
        w.field("base_shipping_cost", shipEx)
        w.field("shipping_cost_ex_tax", shipEx)
        w.field("shipping_cost_inc_tax", shipEx + shipTax)
        w.field("shipping_cost_tax", shipTax)
        w.field("shipping_cost_tax_class_id", 2)
        w.field("base_handling_cost", o.handlingCost)
        w.field("handling_cost_ex_tax", o.handlingCost)
        w.field("handling_cost_inc_tax", o.handlingCost)
        w.field("handling_cost_tax", SandboxMoney.zero)
        w.field("handling_cost_tax_class_id", 2)
        w.field("base_wrapping_cost", SandboxMoney.zero)
        w.field("wrapping_cost_ex_tax", SandboxMoney.zero)
        w.field("wrapping_cost_inc_tax", SandboxMoney.zero)
        w.field("wrapping_cost_tax", SandboxMoney.zero)
        w.field("wrapping_cost_tax_class_id", 3)
        w.field("total_ex_tax", o.totalExTax)
        w.field("total_inc_tax", o.totalIncTax)
        w.field("total_tax", o.totalTax)
        w.field("items_total", o.itemsTotal)
        w.field("items_shipped", o.itemsShipped)
        w.field("payment_method", o.paymentMethod)
        w.field("payment_provider_id", "")
        w.field("payment_status", o.paymentStatus)
        w.field("refunded_amount", o.refundedAmount)
        w.field("order_is_digital", o.isDigital)
        w.field("store_credit_amount", SandboxMoney.zero)
        w.field("gift_certificate_amount", SandboxMoney.zero)
        w.field("ip_address", o.ipAddress)
        w.field("ip_address_v6", "")
        w.field("geoip_country", o.billingAddress.country)
        w.field("geoip_country_iso2", o.billingAddress.countryISO2)
        w.field("currency_id", 1)
        w.field("currency_code", o.currencyCode)
        w.field("currency_exchange_rate", "1.0000000000")
        w.field("default_currency_id", 1)
        w.field("default_currency_code", o.currencyCode)
        w.field("store_default_currency_code", o.currencyCode)
        w.field("store_default_to_transactional_exchange_rate", "1.0000000000")
        w.field("staff_notes", o.staffNotes)
        w.field("customer_message", o.customerMessage)
        w.field("discount_amount", o.discountAmount)
        w.field("coupon_discount", o.coupons.reduce(SandboxMoney.zero) { $0 + $1.amount })
        w.field("shipping_address_count", o.shippingAddresses.count)
        w.field("is_deleted", o.isDeleted)
        w.field("ebay_order_id", "0")
        w.key("billing_address")
        address(&w, o.billingAddress)
        w.field("is_email_opt_in", false)
        w.nullField("credit_card_type")
        w.field("order_source", o.orderSource)
        w.field("channel_id", o.channelID)
        w.key("external_source"); w.optionalString(o.externalSource)
        w.nullField("external_id")
        w.nullField("external_merchant_id")
        w.field("external_order_id", o.externalOrderID)
        w.field("tax_provider_id", o.taxBasisPoints > 0 ? "BasicTaxProvider" : "")
        w.field("customer_locale", o.customerLocale)
        link(&w, "products", store: hash, resource: "/orders/\(o.id)/products")
        link(&w, "shipping_addresses", store: hash, resource: "/orders/\(o.id)/shippingaddresses")
        link(&w, "coupons", store: hash, resource: "/orders/\(o.id)/coupons")
        switch consignments {
        case .link:
            link(&w, "consignments", store: hash, resource: "/orders/\(o.id)/consignments")
        case .object(let withLines):
            w.key("consignments")
            consignmentObject(&w, o, store: hash, withLines: withLines)
        case .legacyArray(let withLines):
            w.key("consignments")
            w.beginArray()
            consignmentObject(&w, o, store: hash, withLines: withLines)
            w.endArray()
        }
        if fees {
            w.key("fees"); w.beginArray(); w.endArray()  // the sandbox's orders carry no fees
        } else {
            link(&w, "fees", store: hash, resource: "/orders/\(o.id)/fees")
        }
        w.endObject()
    }

    /// `{pickups, shipping, downloads, email:{gift_certificates}}`. Shipping consignments are the
    /// shipping addresses with their physical lines; digital lines go to `downloads`, gift
    /// certificates to `email.gift_certificates` (shape partly UNCONFIRMED, see docs/sandbox.md).
    func consignmentObject(_ w: inout JSONWriter, _ o: SandboxOrder, store: String, withLines: Bool) {
        w.beginObject()
        w.key("pickups"); w.beginArray(); w.endArray()
        w.key("shipping")
        w.beginArray()
        for a in o.shippingAddresses {
            w.beginObject()
            shippingAddressFields(&w, a, order: o, store: store)
            w.key("line_items")
            if withLines {
                w.beginArray()
                for l in o.lines where l.type == .physical && l.orderAddressID == a.id { line(&w, l, order: o) }
                w.endArray()
            } else {
                w.beginObject()
                w.field("url", "\(baseURL)/stores/\(store)/v2/orders/\(o.id)/products")
                w.field("resource", "/orders/\(o.id)/products")
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
        w.key("downloads")
        w.beginArray()
        let digital = o.lines.filter { $0.type == .digital }
        if !digital.isEmpty {
            w.beginObject()
            w.field("id", o.id)
            w.field("recipient_email", o.billingAddress.email)
            w.key("line_items")
            w.beginArray()
            if withLines { for l in digital { line(&w, l, order: o) } }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.key("email")
        w.beginObject()
        w.key("gift_certificates")
        w.beginArray()
        for l in o.lines where l.type == .giftcertificate {
            w.beginObject()
            w.field("id", l.id)
            w.field("recipient_email", o.billingAddress.email)
            w.key("line_items")
            w.beginArray()
            if withLines { line(&w, l, order: o) }
            w.endArray()
            w.endObject()
        }
        w.endArray()
        w.endObject()
        w.endObject()
    }

    func address(_ w: inout JSONWriter, _ a: SandboxAddress, formFields: Bool = true) {
        w.beginObject()
        addressFields(&w, a)
        if formFields { w.key("form_fields"); w.beginArray(); w.endArray() }
        w.endObject()
    }

    private func addressFields(_ w: inout JSONWriter, _ a: SandboxAddress) {
        w.field("first_name", a.firstName)
        w.field("last_name", a.lastName)
        w.field("company", a.company)
        w.field("street_1", a.street1)
        w.field("street_2", a.street2)
        w.field("city", a.city)
        w.field("state", a.state)
        w.field("zip", a.zip)
        w.field("country", a.country)
        w.field("country_iso2", a.countryISO2)
        w.field("phone", a.phone)
        w.field("email", a.email)
    }

    private func shippingAddressFields(_ w: inout JSONWriter, _ a: SandboxShippingAddress, order o: SandboxOrder, store: String) {
        let tax = a.cost.applying(basisPoints: o.taxBasisPoints)
        let lines = o.lines.filter { $0.orderAddressID == a.id }
        w.field("id", a.id)
        w.field("order_id", o.id)
        addressFields(&w, a.address)
        w.field("items_total", lines.reduce(0) { $0 + $1.quantity })
        w.field("items_shipped", lines.reduce(0) { $0 + $1.quantityShipped })
        w.field("shipping_method", a.shippingMethod)
        w.field("base_cost", a.cost)
        w.field("cost_ex_tax", a.cost)
        w.field("cost_inc_tax", a.cost + tax)
        w.field("cost_tax", tax)
        w.field("cost_tax_class_id", 2)
        w.field("base_handling_cost", SandboxMoney.zero)
        w.field("handling_cost_ex_tax", SandboxMoney.zero)
        w.field("handling_cost_inc_tax", SandboxMoney.zero)
        w.field("handling_cost_tax", SandboxMoney.zero)
        w.field("handling_cost_tax_class_id", 2)
        w.field("shipping_zone_id", 1)
        w.field("shipping_zone_name", a.address.country)
        link(&w, "shipping_quotes", store: store, resource: "/orders/\(o.id)/shipping_addresses/\(a.id)/shipping_quotes")
        w.key("form_fields"); w.beginArray(); w.endArray()
    }

    func shippingAddress(_ w: inout JSONWriter, _ a: SandboxShippingAddress, order o: SandboxOrder, store: String) {
        w.beginObject()
        shippingAddressFields(&w, a, order: o, store: store)
        w.endObject()
    }

    func line(_ w: inout JSONWriter, _ l: SandboxLineItem, order o: SandboxOrder) {
        let tax = l.price.applying(basisPoints: o.taxBasisPoints)
        let total = l.price * l.quantity, totalTax = tax * l.quantity
        w.beginObject()
        w.field("id", l.id)
        w.field("order_id", o.id)
        w.field("product_id", l.productID)
        w.field("variant_id", l.variantID)
        w.field("order_pickup_method_id", 0)
        w.field("order_address_id", l.orderAddressID)
        w.field("name", l.name)
        w.field("name_customer", l.name)
        w.field("name_merchant", l.name)
        w.field("sku", l.sku)
        w.field("upc", "")
        w.field("type", l.type.rawValue)
        w.field("base_price", l.price)
        w.field("price_ex_tax", l.price)
        w.field("price_inc_tax", l.price + tax)
        w.field("price_tax", tax)
        w.field("base_total", total)
        w.field("total_ex_tax", total)
        w.field("total_inc_tax", total + totalTax)
        w.field("total_tax", totalTax)
        w.field("discounted_total_inc_tax", total + totalTax)
        w.field("weight", l.weight)
        w.field("width", Self.zero)
        w.field("height", Self.zero)
        w.field("depth", Self.zero)
        w.field("quantity", l.quantity)
        w.field("base_cost_price", Self.zero)
        w.field("cost_price_inc_tax", Self.zero)
        w.field("cost_price_ex_tax", Self.zero)
        w.field("cost_price_tax", Self.zero)
        w.field("is_refunded", false)
        w.field("quantity_refunded", 0)
        w.field("refund_amount", Self.zero)
        w.field("return_id", 0)
        w.field("wrapping_id", 0)
        w.field("wrapping_name", "")
        w.field("base_wrapping_cost", Self.zero)
        w.field("wrapping_cost_ex_tax", Self.zero)
        w.field("wrapping_cost_inc_tax", Self.zero)
        w.field("wrapping_cost_tax", Self.zero)
        w.field("wrapping_message", "")
        w.field("quantity_shipped", l.quantityShipped)
        w.nullField("event_name")
        w.field("event_date", "")
        w.field("fixed_shipping_cost", Self.zero)
        w.field("ebay_item_id", "")
        w.field("ebay_transaction_id", "")
        if l.options.isEmpty { w.nullField("option_set_id") } else { w.field("option_set_id", 1) }
        w.nullField("parent_order_product_id")
        w.field("is_bundled_product", false)
        w.field("bin_picking_number", "")
        w.nullField("external_id")
        w.field("brand", "")
        w.nullField("gift_certificate_id")
        w.key("applied_discounts"); w.beginArray(); w.endArray()
        w.key("product_options")
        w.beginArray()
        for (i, opt) in l.options.enumerated() {
            w.beginObject()
            w.field("id", l.id * 10 + i)
            w.field("option_id", 20 + i)
            w.field("order_product_id", l.id)
            w.field("product_option_id", 100 + i)
            w.field("display_name", opt.name)
            w.field("display_name_customer", opt.name)
            w.field("display_name_merchant", opt.name)
            w.field("display_value", opt.value)
            w.field("display_value_customer", opt.value)
            w.field("display_value_merchant", opt.value)
            w.field("value", String(l.variantID))
            w.field("type", "Multiple choice")
            w.field("name", opt.name.lowercased())
            w.field("display_style", "Dropdown")
            w.endObject()
        }
        w.endArray()
        w.key("configurable_fields"); w.beginArray(); w.endArray()
        w.endObject()
    }

    func coupon(_ w: inout JSONWriter, _ c: SandboxCoupon, orderID: Int) {
        w.beginObject()
        w.field("id", c.id)
        w.field("coupon_id", c.couponID)
        w.field("order_id", orderID)
        w.field("code", c.code)
        w.field("amount", c.amount)
        w.field("type", 0)
        w.key("discount"); w.raw(c.amount.description)
        w.endObject()
    }

    func shipment(_ w: inout JSONWriter, _ s: SandboxShipment) {
        w.beginObject()
        w.field("id", s.id)
        w.field("order_id", s.orderID)
        w.field("customer_id", s.customerID)
        w.field("order_address_id", s.orderAddressID)
        w.dateField("date_created", s.dateCreated)
        w.field("tracking_number", s.trackingNumber)
        w.field("merchant_shipping_cost", s.merchantShippingCost)
        w.field("shipping_method", s.shippingMethod)
        w.field("comments", s.comments)
        w.field("shipping_provider", s.shippingProvider)
        w.field("tracking_carrier", s.trackingCarrier)
        w.field("tracking_link", s.trackingLink)
        w.key("billing_address"); address(&w, s.billingAddress, formFields: false)
        w.key("shipping_address"); address(&w, s.shippingAddress, formFields: false)
        w.key("items")
        w.beginArray()
        for it in s.items {
            w.beginObject()
            w.field("order_product_id", it.orderProductID)
            w.field("product_id", it.productID)
            w.field("quantity", it.quantity)
            w.endObject()
        }
        w.endArray()
        w.field("shipping_provider_display_name", Self.providerDisplayName(s.shippingProvider))
        let generated: String
        if !s.trackingLink.isEmpty || s.trackingNumber.isEmpty {
            generated = ""
        } else {
            switch s.shippingProvider {
            case "ups", "upsready", "upsonline": generated = "https://www.ups.com/track?tracknum=\(s.trackingNumber)"
            case "usps", "endicia": generated = "https://tools.usps.com/go/TrackConfirmAction?tLabels=\(s.trackingNumber)"
            case "fedex": generated = "https://www.fedex.com/fedextrack/?trknbr=\(s.trackingNumber)"
            default: generated = ""
            }
        }
        w.field("generated_tracking_link", generated)
        w.endObject()
    }

    static func providerDisplayName(_ p: String) -> String {
        switch p {
        case "": return "Custom"
        case "ups", "upsready", "upsonline": return "UPS"
        case "usps": return "USPS"
        case "fedex": return "FedEx"
        case "auspost": return "Australia Post"
        case "canadapost": return "Canada Post"
        case "royalmail": return "Royal Mail"
        case "endicia": return "Endicia"
        case "shipperhq": return "ShipperHQ"
        default: return p
        }
    }

    func status(_ w: inout JSONWriter, id: Int, store: StoreData, count: Int? = nil) {
        let s = SandboxOrderStatus.all[id]
        w.beginObject()
        w.field("id", s.id)
        w.field("name", s.name)
        w.field("system_label", s.name)
        w.field("custom_label", store.label(id))
        w.field("system_description", s.description)
        if let count {
            w.field("count", count)
            w.field("sort_order", s.order)
        } else {
            w.field("order", s.order)
        }
        w.endObject()
    }

    static func v2Error(status: Int, message: String) -> [UInt8] {
        var w = JSONWriter(capacity: 128)
        w.beginArray()
        w.beginObject()
        w.field("status", status)
        w.field("message", message)
        w.endObject()
        w.endArray()
        return w.bytes
    }
}
