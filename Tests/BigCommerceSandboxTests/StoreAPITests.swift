import AsyncHTTPClient
import BigCommerceSandbox
import Foundation
import Testing

@Suite("Store API: orders listing, filters, paging")
struct OrderListingTests {
    @Test("GET /orders: bare array, default 50, id ascending, wire format and links")
    func wireFormat() async throws {
        try await withHarness(orders: 120, statusMix: .only(11)) { (h: Harness) async throws in
            let r = try await h.get("/orders")
            #expect(r.status == 200)
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.text.hasPrefix("[{"))
            let list = r.array
            #expect(list.count == 50)
            #expect(ids(r) == ids(r).sorted())
            let o = list[0]
            #expect((o["date_created"] as? String)?.wholeMatch(of: rfc2822Pattern) != nil)
            #expect((o["date_modified"] as? String)?.wholeMatch(of: rfc2822Pattern) != nil)
            #expect(o["date_shipped"] as? String == "")
            for k in ["subtotal_ex_tax", "total_inc_tax", "shipping_cost_ex_tax", "refunded_amount"] {
                #expect((o[k] as? String)?.wholeMatch(of: moneyPattern) != nil, "\(k)")
            }
            #expect(o["currency_exchange_rate"] as? String == "1.0000000000")
            #expect(o["status"] as? String == "Awaiting Fulfillment")
            #expect(o["custom_status"] as? String == "Ready to pick")
            let id = o["id"] as! Int
            let products = o["products"] as! [String: Any]
            #expect(products["url"] as? String == "\(h.api)/orders/\(id)/products")
            #expect(products["resource"] as? String == "/orders/\(id)/products")
            let ship = o["shipping_addresses"] as! [String: Any]
            #expect(ship["url"] as? String == "\(h.api)/orders/\(id)/shippingaddresses")
            let billing = o["billing_address"] as! [String: Any]
            #expect(billing["street_1"] is String && billing["country_iso2"] is String)
            for k in ["X-Rate-Limit-Time-Window-Ms", "X-Rate-Limit-Time-Reset-Ms", "X-Rate-Limit-Requests-Quota", "X-Rate-Limit-Requests-Left"] {
                #expect(r.header(k) != nil, "\(k)")
            }
        }
    }

    @Test("An empty result is 204 with an empty body")
    func emptyIs204() async throws {
        try await withHarness { (h: Harness) async throws in
            let r = try await h.get("/orders")
            #expect(r.status == 204)
            #expect(r.body.isEmpty)
            #expect(r.header("X-Rate-Limit-Requests-Left") != nil)
        }
    }

    @Test("Paging an exact multiple of the page size: full pages, then 204")
    func exactMultiple() async throws {
        try await withHarness(orders: 500, statusMix: .only(11)) { (h: Harness) async throws in
            let p1 = try await h.get("/orders?status_id=11&sort=id:asc&limit=250&page=1")
            let p2 = try await h.get("/orders?status_id=11&sort=id:asc&limit=250&page=2")
            let p3 = try await h.get("/orders?status_id=11&sort=id:asc&limit=250&page=3")
            #expect(p1.array.count == 250)
            #expect(p2.array.count == 250)
            #expect(p3.status == 204 && p3.body.isEmpty)
            #expect(Set(ids(p1) + ids(p2)).count == 500)
            #expect(ids(p1).last! < ids(p2).first!)
        }
    }

    @Test("limit above 250 is clamped by default")
    func limitClamp() async throws {
        try await withHarness(orders: 300, statusMix: .only(11)) { (h: Harness) async throws in
            #expect(try await h.get("/orders?limit=1000").array.count == 250)
            #expect(try await h.get("/orders?limit=0").array.count == 50)
        }
    }

    @Test("limit above 250 answers 413 when configured")
    func limit413() async throws {
        try await withHarness(SandboxConfiguration(rateLimitEnabled: false, oversizedLimit: .reject413), orders: 3) { (h: Harness) async throws in
            let r = try await h.get("/orders?limit=251")
            #expect(r.status == 413)
            #expect((r.array.first?["status"] as? Int) == 413)
        }
    }

    @Test("status_id filters; Incomplete and archived orders are hidden unless asked for")
    func statusAndHidden() async throws {
        try await withHarness { (h: Harness) async throws in
            let st = h.sandbox.state
            let a = try await st.createOrder(store: h.store, plainOrder(status: 11))
            let b = try await st.createOrder(store: h.store, plainOrder(status: 9))
            let c = try await st.createOrder(store: h.store, plainOrder(status: 0))
            let d = try await st.createOrder(store: h.store, plainOrder(status: 11))
            try await st.archiveOrder(store: h.store, id: d.id)
            #expect(ids(try await h.get("/orders")) == [a.id, b.id])
            #expect(ids(try await h.get("/orders?status_id=11")) == [a.id])
            #expect(ids(try await h.get("/orders?status_id=0")) == [c.id])
            #expect(ids(try await h.get("/orders?is_deleted=true")) == [d.id])
        }
    }

    @Test("Incomplete orders listed by default when configured")
    func incompleteListedWhenConfigured() async throws {
        try await withHarness(SandboxConfiguration(rateLimitEnabled: false, listsIncompleteOrdersByDefault: true, listsArchivedOrdersByDefault: true)) { (h: Harness) async throws in
            let c = try await h.sandbox.state.createOrder(store: h.store, plainOrder(status: 0))
            let d = try await h.sandbox.state.createOrder(store: h.store, plainOrder(status: 11))
            try await h.sandbox.state.archiveOrder(store: h.store, id: d.id)
            #expect(ids(try await h.get("/orders")) == [c.id, d.id])
        }
    }

    @Test("min_id/max_id are inclusive")
    func idBounds() async throws {
        try await withHarness(orders: 20, statusMix: .only(11)) { (h: Harness) async throws in
            let all = ids(try await h.get("/orders"))
            let r = try await h.get("/orders?min_id=\(all[3])&max_id=\(all[7])")
            #expect(ids(r) == Array(all[3...7]))
        }
    }

    @Test("Date filters accept RFC 2822 and ISO 8601 with an encoded offset, inclusive bounds")
    func dateFilters() async throws {
        try await withHarness { (h: Harness) async throws in
            let st = h.sandbox.state
            let base: SandboxTimestamp = 1_700_000_000  // Tue, 14 Nov 2023 22:13:20 +0000
            var made: [Int] = []
            for i in 0..<5 { made.append(try await st.createOrder(store: h.store, plainOrder(modified: base + Int64(i) * 60)).id) }
            // RFC 2822 with a -0400 offset, URL-encoded; exactly the 2nd order's second.
            let rfc = "Tue, 14 Nov 2023 18:14:20 -0400".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            #expect(ids(try await h.get("/orders?min_date_modified=\(rfc)")) == Array(made[1...]))
            // ISO 8601 with +01:00 sent as %2B01:00; upper bound = the 4th order's second.
            #expect(ids(try await h.get("/orders?max_date_modified=2023-11-14T23:16:20%2B01:00")) == Array(made[...3]))
            #expect(ids(try await h.get("/orders?min_date_created=2023-11-14T22:15:20Z&max_date_created=2023-11-14T22:15:20Z")) == [made[2]])
            // Every returned order really is at or after the filter (reference §10).
            let r = try await h.get("/orders?min_date_modified=\(rfc)")
            for o in r.array { #expect(SandboxDate.parse(o["date_modified"] as! String)! >= base + 60) }
        }
    }

    @Test("An unparsable filter is ignored by default and a 400 when configured")
    func invalidFilter() async throws {
        try await withHarness(orders: 3, statusMix: .only(11)) { (h: Harness) async throws in
            #expect(try await h.get("/orders?min_date_modified=yesterday").array.count == 3)
        }
        try await withHarness(SandboxConfiguration(rateLimitEnabled: false, invalidFilter: .reject400), orders: 3) { (h: Harness) async throws in
            #expect(try await h.get("/orders?min_date_modified=yesterday").status == 400)
        }
    }

    @Test("Ties in date_modified page deterministically (ties broken by id)")
    func ties() async throws {
        try await withHarness { (h: Harness) async throws in
            let st = h.sandbox.state
            var made: [Int] = []
            for _ in 0..<7 { made.append(try await st.createOrder(store: h.store, plainOrder(modified: 1_700_000_000)).id) }
            var seen: [Int] = []
            for page in 1...3 {
                seen += ids(try await h.get("/orders?sort=date_modified:asc&min_date_modified=1700000000&limit=3&page=\(page)"))
            }
            #expect(seen == made)
            #expect(try await h.get("/orders?sort=date_modified:asc&limit=3&page=4").status == 204)
            let desc = ids(try await h.get("/orders?sort=date_modified:desc&limit=250"))
            #expect(desc == made)  // all tie, so id ascending
        }
    }

    @Test("sort by date_created, status_id, channel_id, asc and desc")
    func sorts() async throws {
        try await withHarness { (h: Harness) async throws in
            let st = h.sandbox.state
            var o1 = plainOrder(status: 11, modified: 1_700_000_300); o1.channelID = 2
            var o2 = plainOrder(status: 9, modified: 1_700_000_100); o2.channelID = 3
            let o3 = plainOrder(status: 10, modified: 1_700_000_200)
            let a = try await st.createOrder(store: h.store, o1).id
            let b = try await st.createOrder(store: h.store, o2).id
            let c = try await st.createOrder(store: h.store, o3).id
            #expect(ids(try await h.get("/orders?sort=date_created:asc")) == [b, c, a])
            #expect(ids(try await h.get("/orders?sort=date_created:desc")) == [a, c, b])
            #expect(ids(try await h.get("/orders?sort=status_id")) == [b, c, a])
            #expect(ids(try await h.get("/orders?sort=channel_id:desc")) == [b, a, c])
            #expect(ids(try await h.get("/orders?sort=id:desc")) == [c, b, a])
            #expect(ids(try await h.get("/orders?sort=date_modified")) == [b, c, a])
        }
    }

    @Test("Other filters: customer_id, email, total, channel, payment method, cart id")
    func otherFilters() async throws {
        try await withHarness { (h: Harness) async throws in
            let st = h.sandbox.state
            var o = plainOrder(); o.customerID = 42; o.channelID = 7; o.paymentMethod = "Manual"; o.cartID = "cart-1"; o.externalOrderID = "X1"
            let a = try await st.createOrder(store: h.store, o).id
            _ = try await st.createOrder(store: h.store, plainOrder(lines: 3))
            #expect(ids(try await h.get("/orders?customer_id=42")) == [a])
            #expect(ids(try await h.get("/orders?channel_id=7")) == [a])
            #expect(ids(try await h.get("/orders?payment_method=Manual")) == [a])
            #expect(ids(try await h.get("/orders?cart_id=cart-1")) == [a])
            #expect(ids(try await h.get("/orders?external_order_id=X1")) == [a])
            #expect(try await h.get("/orders?email=ada@example.com").array.count == 2)
            // 2 x 12.50 + 5.00 shipping = 30.00; 3 lines = 80.00
            #expect(ids(try await h.get("/orders?max_total=30.00")) == [a])
            #expect(try await h.get("/orders?min_total=30.01").array.count == 1)
        }
    }

    @Test("GET /orders/count with and without filters")
    func count() async throws {
        try await withHarness(orders: 40, statusMix: SandboxStatusMix([(11, 3), (9, 1)])) { (h: Harness) async throws in
            let all = try await h.get("/orders/count").object
            let statuses = all["statuses"] as! [[String: Any]]
            #expect(statuses.count == 15)
            #expect(statuses.allSatisfy { $0["sort_order"] is Int && $0["custom_label"] is String })
            #expect(all["count"] as? Int == 40)
            let c11 = try await h.get("/orders/count?status_id=11").object["count"] as! Int
            let c9 = try await h.get("/orders/count?status_id=9").object["count"] as! Int
            #expect(c11 + c9 == 40)
            #expect(c11 == (try await h.sandbox.state.orders(store: h.store)).filter { $0.statusID == 11 }.count)
        }
    }
}

@Suite("Store API: single order and sub-resources")
struct OrderResourceTests {
    @Test("GET /orders/{id}; unknown id is a 404 v2 error")
    func single() async throws {
        try await withHarness(orders: 2) { (h: Harness) async throws in
            let id = try await h.sandbox.state.orders(store: h.store)[0].id
            let r = try await h.get("/orders/\(id)")
            #expect(r.status == 200 && r.object["id"] as? Int == id)
            let missing = try await h.get("/orders/999999")
            #expect(missing.status == 404)
            #expect(missing.text == #"[{"status":404,"message":"The requested resource was not found."}]"#)
        }
    }

    @Test("include=consignments.line_items&consignment_structure=object embeds lines per address")
    func consignments() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder(lines: 2))
            let r = try await h.get("/orders?include=consignments.line_items&consignment_structure=object")
            let cons = r.array[0]["consignments"] as! [String: Any]
            let shipping = cons["shipping"] as! [[String: Any]]
            #expect(shipping.count == 1)
            #expect(shipping[0]["id"] as? Int == o.shippingAddresses[0].id)
            let lines = shipping[0]["line_items"] as! [[String: Any]]
            #expect(lines.map { $0["id"] as! Int } == o.lines.map(\.id))
            #expect(lines[0]["sku"] as? String == "W-0")
            #expect(cons["pickups"] is [Any] && cons["downloads"] is [Any])
            // Without include: a link, and the link is served.
            let plain = try await h.get("/orders/\(o.id)").object["consignments"] as! [String: Any]
            #expect(plain["resource"] as? String == "/orders/\(o.id)/consignments")
            let followed = try await h.request(.GET, plain["url"] as! String, token: h.token).object
            #expect(((followed["shipping"] as? [[String: Any]])?.first?["line_items"] as? [String: Any])?["resource"] as? String == "/orders/\(o.id)/products")
            let withLines = try await h.get("/orders/\(o.id)/consignments?include=line_items").object
            #expect(((withLines["shipping"] as? [[String: Any]])?.first?["line_items"] as? [[String: Any]])?.count == 2)
            // include=fees: an array; the fees link answers 204.
            #expect(try await h.get("/orders/\(o.id)?include=fees").object["fees"] is [Any])
            #expect(try await h.get("/orders/\(o.id)/fees").status == 204)
            // The legacy structure: an array holding the consignment object.
            #expect(try await h.get("/orders/\(o.id)?include=consignments").object["consignments"] is [Any])
        }
    }

    @Test("Products are paged, 50 by default; single product by line id")
    func products() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder(lines: 60))
            let p1 = try await h.get("/orders/\(o.id)/products")
            let p2 = try await h.get("/orders/\(o.id)/products?page=2")
            #expect(p1.array.count == 50 && p2.array.count == 10)
            #expect(try await h.get("/orders/\(o.id)/products?page=3").status == 204)
            let line = try await h.get("/orders/\(o.id)/products/\(o.lines[5].id)").object
            #expect(line["sku"] as? String == "W-5")
            #expect(line["order_address_id"] as? Int == o.shippingAddresses[0].id)
            #expect((line["price_inc_tax"] as? String)?.wholeMatch(of: moneyPattern) != nil)
            #expect(line["type"] as? String == "physical")
        }
    }

    @Test("Shipping addresses under both spellings; coupons 204 when none")
    func addressesAndCoupons() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder())
            let a = try await h.get("/orders/\(o.id)/shipping_addresses")
            let b = try await h.get("/orders/\(o.id)/shippingaddresses")
            #expect(a.status == 200 && a.text == b.text)
            #expect(a.array[0]["id"] as? Int == o.shippingAddresses[0].id)
            #expect(a.array[0]["shipping_method"] as? String == "Flat Rate")
            #expect(try await h.get("/orders/\(o.id)/shipping_addresses/\(o.shippingAddresses[0].id)").object["city"] as? String == "London")
            #expect(try await h.get("/orders/\(o.id)/coupons").status == 204)
        }
    }

    @Test("Order statuses 0–14 with the store's custom labels; single status")
    func statuses() async throws {
        try await withHarness { (h: Harness) async throws in
            let r = try await h.get("/order_statuses")
            #expect(r.array.map { $0["id"] as! Int } == Array(0...14))
            #expect(r.array[11]["custom_label"] as? String == "Ready to pick")
            #expect(r.array[11]["name"] as? String == "Awaiting Fulfillment")
            #expect(r.array[2]["custom_label"] as? String == "Shipped")
            #expect(try await h.get("/order_statuses/9").object["name"] as? String == "Awaiting Shipment")
            #expect(try await h.get("/order_statuses/15").status == 404)
        }
    }

    @Test("Convenience order creation; unknown paths and API versions are 404s")
    func convenience() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, lines: [(sku: "KIT-1", quantity: 3), (sku: "MUG", quantity: 1)])
            let lines = try await h.get("/orders/\(o.id)/products").array
            #expect(lines.map { $0["sku"] as! String } == ["KIT-1", "MUG"])
            #expect(try await h.get("/orders/\(o.id)").object["total_ex_tax"] as? String != nil)
            let unknown = try await h.get("/nothing/here")
            #expect(unknown.status == 404 && unknown.array.first?["status"] as? Int == 404)
            #expect(try await h.request(.GET, h.sandbox.baseURL + "/stores/store1/v3/catalog/products", token: h.token).status == 404)
        }
    }

    @Test("GET /time follows the sandbox clock offset")
    func time() async throws {
        try await withHarness { (h: Harness) async throws in
            await h.sandbox.state.setClockOffset(seconds: -3600)
            let t = try await h.get("/time").object["time"] as! Int
            let local = Int(Date().timeIntervalSince1970)
            #expect(abs(t - (local - 3600)) <= 2)
        }
    }

    @Test("PUT /orders/{id} changes status and bumps date_modified; read-only fields are 400; DELETE archives")
    func put() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder(modified: 1_600_000_000))
            let r = try await h.send(.PUT, "/orders/\(o.id)", json: ["status_id": 9])
            #expect(r.status == 200)
            #expect(r.object["status_id"] as? Int == 9)
            #expect(SandboxDate.parse(r.object["date_modified"] as! String)! > 1_600_000_000)
            let bad = try await h.send(.PUT, "/orders/\(o.id)", json: ["status": "Shipped"])
            #expect(bad.status == 400)
            #expect((bad.array.first?["message"] as? String)?.contains("cannot be written") == true)
            #expect(try await h.send(.PUT, "/orders/\(o.id)", json: ["status_id": 99]).status == 400)
            let del = try await h.send(.DELETE, "/orders/\(o.id)")
            #expect(del.status == 204)
            #expect(try await h.sandbox.state.order(store: h.store, id: o.id)?.isDeleted == true)
        }
    }
}

@Suite("Store API: shipments")
struct ShipmentTests {
    @Test("Partial shipment → Partially Shipped (3), the rest → Shipped (2) with date_shipped")
    func statuses() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder(lines: 2, quantity: 2))
            let addr = o.shippingAddresses[0].id
            #expect(try await h.get("/orders/\(o.id)/shipments").status == 204)
            let first = try await h.send(.POST, "/orders/\(o.id)/shipments", json: [
                "order_address_id": "\(addr)", "tracking_number": "1Z999", "shipping_provider": "ups",
                "items": [["order_product_id": o.lines[0].id, "quantity": 2], ["order_product_id": o.lines[1].id, "quantity": 1]],
            ])
            #expect(first.status == 201)
            #expect(first.object["order_address_id"] as? Int == addr)
            #expect(first.object["shipping_provider_display_name"] as? String == "UPS")
            var order = try await h.get("/orders/\(o.id)").object
            #expect(order["status_id"] as? Int == 3)
            #expect(order["items_shipped"] as? Int == 3)
            #expect(order["date_shipped"] as? String == "")
            let second = try await h.send(.POST, "/orders/\(o.id)/shipments", json: [
                "order_address_id": addr, "items": [["order_product_id": o.lines[1].id, "quantity": 1]],
            ])
            #expect(second.status == 201)
            order = try await h.get("/orders/\(o.id)").object
            #expect(order["status_id"] as? Int == 2)
            #expect(order["status"] as? String == "Shipped")
            #expect((order["date_shipped"] as? String)?.wholeMatch(of: rfc2822Pattern) != nil)
            let lines = try await h.get("/orders/\(o.id)/products").array
            #expect(lines.map { $0["quantity_shipped"] as! Int } == [2, 2])
            let list = try await h.get("/orders/\(o.id)/shipments")
            #expect(list.array.count == 2)
            #expect(try await h.get("/orders/\(o.id)/shipments/count").object["count"] as? Int == 2)
            let sid = list.array[0]["id"] as! Int
            #expect(try await h.get("/orders/\(o.id)/shipments/\(sid)").object["tracking_number"] as? String == "1Z999")
            #expect(try await h.sandbox.state.shipments(store: h.store, orderID: o.id).count == 2)
            // Deleting a shipment does not move the order out of Shipped.
            #expect(try await h.send(.DELETE, "/orders/\(o.id)/shipments/\(sid)").status == 204)
            #expect(try await h.get("/orders/\(o.id)").object["status_id"] as? Int == 2)
            #expect(try await h.get("/orders/\(o.id)/shipments").array.count == 1)
        }
    }

    @Test("Over-shipping, unknown lines and unknown addresses are 4xx v2 errors and change nothing")
    func invalid() async throws {
        try await withHarness { (h: Harness) async throws in
            let o = try await h.sandbox.state.createOrder(store: h.store, plainOrder(lines: 1, quantity: 2))
            let addr = o.shippingAddresses[0].id
            let over = try await h.send(.POST, "/orders/\(o.id)/shipments", json: ["order_address_id": addr, "items": [["order_product_id": o.lines[0].id, "quantity": 3]]])
            #expect(over.status == 400)
            #expect(over.array.first?["status"] as? Int == 400)
            #expect(over.array.first?["message"] is String)
            #expect(try await h.send(.POST, "/orders/\(o.id)/shipments", json: ["order_address_id": 999, "items": [["order_product_id": o.lines[0].id, "quantity": 1]]]).status == 400)
            #expect(try await h.send(.POST, "/orders/\(o.id)/shipments", json: ["order_address_id": addr, "items": [["order_product_id": 999, "quantity": 1]]]).status == 400)
            #expect(try await h.send(.POST, "/orders/\(o.id)/shipments", json: ["items": []]).status == 400)
            #expect(try await h.send(.POST, "/orders/999/shipments", json: ["order_address_id": addr, "items": []]).status == 404)
            let after = try await h.sandbox.state.order(store: h.store, id: o.id)!
            #expect(after.statusID == 11 && after.itemsShipped == 0)
            #expect(try await h.sandbox.state.shipments(store: h.store).isEmpty)
        }
    }
}

@Suite("Store API: authentication and rate limits")
struct AuthAndQuotaTests {
    @Test("Missing, wrong and revoked tokens are 401 with rate headers")
    func unauthorized() async throws {
        try await withHarness { (h: Harness) async throws in
            for r in [try await h.get("/time", noToken: true), try await h.get("/time", token: "nope")] {
                #expect(r.status == 401)
                #expect(r.array.first?["status"] as? Int == 401)
                #expect(r.header("X-Rate-Limit-Requests-Quota") != nil)
            }
            try await h.sandbox.state.createStore(hash: "other")
            let otherToken = try await h.sandbox.state.issueToken(store: "other")
            #expect(try await h.get("/time", token: otherToken).status == 401)
            #expect(try await h.get("/time").status == 200)
            try await h.sandbox.state.revokeToken(h.token)
            #expect(try await h.get("/time").status == 401)
        }
    }

    @Test("Unknown store hash: 404 by default, 403 when configured")
    func unknownStore() async throws {
        try await withHarness { (h: Harness) async throws in
            let r = try await h.request(.GET, h.sandbox.baseURL + "/stores/nosuch/v2/time", token: h.token)
            #expect(r.status == 404)
            #expect(r.header("X-Rate-Limit-Requests-Left") != nil)
        }
        try await withHarness(SandboxConfiguration(rateLimitEnabled: false, unknownStoreStatus: .forbidden)) { (h: Harness) async throws in
            #expect(try await h.request(.GET, h.sandbox.baseURL + "/stores/nosuch/v2/time", token: h.token).status == 403)
        }
    }

    @Test("Quota: headers count down, the request after the quota is a 429 with headers, violations are counted")
    func quota() async throws {
        try await withHarness(SandboxConfiguration(defaultQuota: 5, rateLimitWindow: .seconds(600))) { (h: Harness) async throws in
            var lefts: [Int] = []
            for _ in 0..<5 {
                let r = try await h.get("/time")
                #expect(r.status == 200)
                #expect(r.header("X-Rate-Limit-Requests-Quota") == "5")
                #expect(r.header("X-Rate-Limit-Time-Window-Ms") == "600000")
                lefts.append(Int(r.header("X-Rate-Limit-Requests-Left")!)!)
            }
            #expect(lefts == [4, 3, 2, 1, 0])
            let limited = try await h.get("/time")
            #expect(limited.status == 429)
            #expect(limited.header("X-Rate-Limit-Requests-Left") == "0")
            let reset = Int(limited.header("X-Rate-Limit-Time-Reset-Ms")!)!
            #expect(reset > 0 && reset <= 600_000)
            _ = try await h.get("/orders")
            #expect(try await h.sandbox.state.quotaViolations(store: h.store) == 2)
            #expect(await h.sandbox.state.requestCounts(store: h.store)[.time] == 6)
            // A fresh window serves again.
            try await h.sandbox.state.resetQuotaWindow(store: h.store)
            #expect(try await h.get("/time").status == 200)
        }
    }

    @Test("The window refills after it elapses")
    func windowRefills() async throws {
        // An 8 s window: the second request must land inside it even on a loaded machine
        // (a 2 s window failed there once).
        try await withHarness(SandboxConfiguration(defaultQuota: 1, rateLimitWindow: .seconds(8))) { (h: Harness) async throws in
            #expect(try await h.get("/time").status == 200)
            #expect(try await h.get("/time").status == 429)
            #expect(try await eventually(timeout: .seconds(30)) { try await h.get("/time").status == 200 })
        }
    }

    @Test("With rate limiting off nothing is refused, headers are still sent")
    func disabled() async throws {
        try await withHarness(SandboxConfiguration(defaultQuota: 2, rateLimitEnabled: false)) { (h: Harness) async throws in
            for _ in 0..<5 {
                let r = try await h.get("/time")
                #expect(r.status == 200 && r.header("X-Rate-Limit-Requests-Left") != nil)
            }
            #expect(try await h.sandbox.state.quotaViolations(store: h.store) == 0)
        }
    }

    @Test("A per-store quota overrides the default")
    func perStoreQuota() async throws {
        try await withHarness(SandboxConfiguration(defaultQuota: 100)) { (h: Harness) async throws in
            try await h.sandbox.state.setQuota(store: h.store, quota: 1)
            #expect(try await h.get("/time").status == 200)
            #expect(try await h.get("/time").status == 429)
        }
    }
}
