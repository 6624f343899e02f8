/// Response bodies written by hand from the reference (bigcommerce-api.md), with fake values.
/// They deliberately mix the type variations the reference reports.
enum ModelFixtures {
    /// An order as `GET /v2/orders` lists it: links instead of sub-resources, `date_shipped` "",
    /// `payment_provider_id` "", `credit_card_type` null, plus fields this client ignores.
    static let orderWithLinks = """
        {
          "id": 100, "customer_id": 0,
          "date_created": "Tue, 05 Mar 2019 21:40:11 +0000", "date_modified": "Wed, 06 Mar 2019 08:00:00 +0000",
          "date_shipped": "", "status_id": 11, "status": "Awaiting Fulfillment", "custom_status": "Ready to pack",
          "cart_id": "7ae1ef43-7d7a-4a4b-9e8c-5f0c4d2fdc4a",
          "subtotal_ex_tax": "340.0000", "subtotal_inc_tax": "361.9500", "subtotal_tax": "21.9500",
          "base_shipping_cost": "10.0000", "shipping_cost_ex_tax": "10.0000", "shipping_cost_inc_tax": "10.0000",
          "shipping_cost_tax": "0.0000", "shipping_cost_tax_class_id": 2,
          "base_handling_cost": "0.0000", "handling_cost_ex_tax": "0.0000", "handling_cost_inc_tax": "0.0000",
          "handling_cost_tax": "0.0000", "handling_cost_tax_class_id": 2,
          "base_wrapping_cost": "0.0000", "wrapping_cost_ex_tax": "0.0000", "wrapping_cost_inc_tax": "0.0000",
          "wrapping_cost_tax": "0.0000", "wrapping_cost_tax_class_id": 3,
          "total_ex_tax": "350.0000", "total_inc_tax": "371.95", "total_tax": "21.9500",
          "items_total": 3, "items_shipped": 0, "payment_method": "Test Payment Gateway",
          "payment_provider_id": "", "payment_status": "captured", "refunded_amount": "0.0000",
          "order_is_digital": false, "store_credit_amount": "0.0000", "gift_certificate_amount": "0.0000",
          "ip_address": "192.0.2.1", "ip_address_v6": "", "geoip_country": "United States", "geoip_country_iso2": "US",
          "currency_id": 1, "currency_code": "USD", "currency_exchange_rate": "1.0000000000", "default_currency_id": 1,
          "default_currency_code": "USD", "store_default_currency_code": "USD",
          "store_default_to_transactional_exchange_rate": "1.0000000000",
          "staff_notes": "", "customer_message": "Please ring twice", "discount_amount": "0.0000", "coupon_discount": "0.0000",
          "shipping_address_count": 1, "is_deleted": false, "ebay_order_id": "0", "is_email_opt_in": false,
          "credit_card_type": null, "order_source": "www", "channel_id": 1, "external_source": null,
          "external_id": null, "external_merchant_id": null, "external_order_id": "", "tax_provider_id": "BasicTaxProvider",
          "customer_locale": "en", "is_tax_inclusive_pricing": false,
          "billing_address": {
            "first_name": "Jane", "last_name": "Example", "company": "", "street_1": "1 Test Street", "street_2": "",
            "city": "Austin", "state": "Texas", "zip": 78701, "country": "United States", "country_iso2": "US",
            "phone": "555-0100", "email": "jane@example.com", "form_fields": []
          },
          "products": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/100/products", "resource": "/orders/100/products"},
          "shipping_addresses": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/100/shippingaddresses", "resource": "/orders/100/shippingaddresses"},
          "coupons": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/100/coupons", "resource": "/orders/100/coupons"},
          "consignments": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/100/consignments", "resource": "/orders/100/consignments"},
          "a_field_added_next_year": {"nested": [1, 2, 3]}
        }
        """

    /// An older-style order: `payment_provider_id` a number, `credit_card_type` an object,
    /// `date_shipped` set, money with two decimals, and embedded consignments with line items.
    static let orderWithConsignments = """
        {
          "id": 101, "customer_id": 42, "date_created": "Mon, 01 Jan 2024 10:00:00 +0000",
          "date_modified": "Mon, 01 Jan 2024 12:00:00 +0000", "date_shipped": "Tue, 02 Jan 2024 09:15:00 +0000",
          "status_id": 2, "status": "Shipped", "custom_status": "Shipped",
          "total_inc_tax": "924.47", "total_ex_tax": 900, "items_total": "2", "items_shipped": 2,
          "payment_provider_id": 12345, "credit_card_type": {}, "is_deleted": 0,
          "consignments": {
            "pickups": [], "downloads": [], "email": {"gift_certificates": []},
            "shipping": [
              {
                "id": 7, "first_name": "Jo", "last_name": "Doe", "street_1": "2 Sample Road", "city": "Leeds",
                "zip": "LS1 1AA", "country": "United Kingdom", "country_iso2": "GB", "shipping_method": "Flat Rate",
                "base_cost": "5.0000", "cost_inc_tax": "6.0000", "items_total": 2,
                "line_items": [
                  {"id": 501, "order_id": 101, "product_id": 77, "name": "Mug", "sku": "MUG-1", "quantity": 1,
                   "weight": "0.5000", "price_inc_tax": "12.0000", "order_address_id": 7, "product_options": []},
                  {"id": 502, "order_id": 101, "product_id": 78, "name": "Tee", "sku": "TEE-M", "quantity": 1,
                   "weight": 1.25, "price_inc_tax": "20.0000", "order_address_id": 7,
                   "product_options": [{"id": 1, "option_id": 3, "display_name": "Size", "display_value": "M", "value": "12", "type": "Multiple choice"}]}
                ]
              }
            ]
          }
        }
        """

    /// `GET /v2/orders/{id}/products` with the reference's type variations.
    static let products = """
        [
          {"id": 1, "order_id": 100, "product_id": 9, "variant_id": 12, "order_address_id": 7, "name": "Widget",
           "name_customer": "Widget", "name_merchant": "Widget (merchant)", "sku": "W-1", "upc": "", "type": "physical",
           "base_price": "10.0000", "price_ex_tax": "10.0000", "price_inc_tax": "10.8000", "price_tax": "0.8000",
           "base_total": "20.0000", "total_ex_tax": "20.0000", "total_inc_tax": "21.6000", "total_tax": "1.6000",
           "quantity": 2, "quantity_shipped": 0, "quantity_refunded": 0, "is_refunded": false, "refund_amount": "0.0000",
           "weight": "1.5000", "width": "0.0000", "parent_order_product_id": null, "is_bundled_product": false,
           "bin_picking_number": "A-3", "applied_discounts": [], "configurable_fields": [], "product_options": [],
           "fixed_shipping_cost": "0.0000", "ebay_item_id": "", "gift_certificate_id": null},
          {"id": 2, "order_id": 100, "product_id": 10, "name": "Bundle child", "sku": "B-2", "quantity": 1,
           "weight": 2, "parent_order_product_id": 1, "is_bundled_product": true, "price_inc_tax": "0.0000"}
        ]
        """

    static let shippingAddresses = """
        [{"id": 7, "order_id": 100, "first_name": "Jane", "last_name": "Example", "company": "", "street_1": "1 Test Street",
          "street_2": "Unit 4", "city": "Austin", "state": "Texas", "zip": "78701", "country": "United States",
          "country_iso2": "US", "phone": "555-0100", "email": "jane@example.com", "items_total": 3, "items_shipped": 0,
          "shipping_method": "Free Shipping", "base_cost": "0.0000", "cost_ex_tax": "0.0000", "cost_inc_tax": "0.0000",
          "cost_tax": "0.0000", "cost_tax_class_id": 2, "base_handling_cost": "0.0000", "handling_cost_ex_tax": "0.0000",
          "handling_cost_inc_tax": "0.0000", "handling_cost_tax": "0.0000", "handling_cost_tax_class_id": 2,
          "shipping_zone_id": 1, "shipping_zone_name": "United States",
          "shipping_quotes": {"url": "https://api.bigcommerce.com/stores/abc123/v2/orders/100/shipping_addresses/7/shipping_quotes", "resource": "/orders/100/shipping_addresses/7/shipping_quotes"},
          "form_fields": []}]
        """

    static let statuses = """
        [{"id": 0, "name": "Incomplete", "system_label": "Incomplete", "custom_label": "Incomplete", "system_description": "An incomplete order", "order": 0},
         {"id": 11, "name": "Awaiting Fulfillment", "system_label": "Awaiting Fulfillment", "custom_label": "Ready to pack", "system_description": "Paid, ready to ship", "order": 3},
         {"id": 2, "name": "Shipped", "system_label": "Shipped", "custom_label": "Shipped", "system_description": "Shipped", "sort_order": 8}]
        """

    static let shipment = """
        {"id": 12, "order_id": 100, "customer_id": 0, "order_address_id": 7, "date_created": "Tue, 05 Mar 2019 22:00:00 +0000",
         "tracking_number": "1Z999", "merchant_shipping_cost": "0.0000", "shipping_method": "UPS Ground",
         "shipping_provider": "ups", "tracking_carrier": "", "tracking_link": "", "comments": "",
         "billing_address": {"first_name": "Jane"}, "shipping_address": {"first_name": "Jane"},
         "items": [{"order_product_id": 1, "product_id": 9, "quantity": 2}],
         "shipping_provider_display_name": "UPS", "generated_tracking_link": "https://example.com/track/1Z999"}
        """

    static let tokenResponse = """
        {"access_token":"FAKE-TOKEN-VALUE-123","scope":"store_v2_orders store_channel_listings_read_only",
         "user":{"id":24654,"username":"merchant@example.com","email":"merchant@example.com"},
         "owner":{"id":12345,"username":"owner@example.com","email":"owner@example.com"},
         "context":"stores/g5cd38","account_uuid":"12345678-90ab-cdef-1234-567890abcdef"}
        """
}
