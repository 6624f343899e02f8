import AsyncHTTPClient
import BigCommerceSandbox
import Foundation
import Testing

@Suite("Fault injection")
struct FaultTests {
    @Test("429 with and without rate headers, for the next N requests on one endpoint")
    func rateLimited() async throws {
        try await withHarness(orders: 3) { (h: Harness) async throws in
            let st = h.sandbox.state
            let f = await st.injectFault(SandboxFault(.rateLimited(withHeaders: true), trigger: .nextRequests(2), store: h.store, endpoint: .listOrders))
            #expect(try await h.get("/time").status == 200)  // other endpoint unaffected
            let a = try await h.get("/orders"), b = try await h.get("/orders")
            #expect(a.status == 429 && b.status == 429)
            #expect(a.header("X-Rate-Limit-Time-Reset-Ms") != nil)
            #expect(try await h.get("/orders").status == 200)
            #expect(await st.timesFired(f) == 2)
            await st.injectFault(SandboxFault(.rateLimited(withHeaders: false)))
            let bare = try await h.get("/time")
            #expect(bare.status == 429)
            #expect(bare.header("X-Rate-Limit-Time-Reset-Ms") == nil && bare.header("X-Rate-Limit-Requests-Left") == nil)
            #expect(try await st.quotaViolations(store: h.store) == 0)  // injected, not a quota violation
        }
    }

    @Test("500, 502 and 503 with v2 error bodies")
    func serverErrors() async throws {
        try await withHarness { (h: Harness) async throws in
            for status in [500, 502, 503] {
                await h.sandbox.state.injectFault(SandboxFault(.serverError(status: status)))
                let r = try await h.get("/time")
                #expect(r.status == status)
                #expect(r.array.first?["status"] as? Int == status)
            }
            #expect(try await h.get("/time").status == 200)
        }
    }

    @Test("Added latency delays the response")
    func latency() async throws {
        try await withHarness { (h: Harness) async throws in
            await h.sandbox.state.injectFault(SandboxFault(.latency(.milliseconds(300))))
            let start = ContinuousClock.now
            let r = try await h.get("/time")
            #expect(r.status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))
        }
    }

    @Test("Connection reset: the client gets a connection error, the next request works")
    func reset() async throws {
        try await withHarness { (h: Harness) async throws in
            await h.sandbox.state.injectFault(SandboxFault(.connectionReset, endpoint: .time))
            await #expect(throws: (any Error).self) { _ = try await h.get("/time") }
            let after = try await h.get("/time")
            #expect(after.status == 200)
        }
    }

    @Test("Truncated and malformed JSON are 200s that do not parse")
    func badBodies() async throws {
        try await withHarness(orders: 5, statusMix: .only(11)) { (h: Harness) async throws in
            await h.sandbox.state.injectFault(SandboxFault(.truncatedJSON, endpoint: .listOrders))
            let t = try await h.get("/orders")
            #expect(t.status == 200 && !t.body.isEmpty)
            #expect((try? JSONSerialization.jsonObject(with: Data(t.body))) == nil)
            await h.sandbox.state.injectFault(SandboxFault(.malformedJSON, endpoint: .listOrders))
            let m = try await h.get("/orders")
            #expect(m.status == 200)
            #expect((try? JSONSerialization.jsonObject(with: Data(m.body))) == nil)
            #expect(try await h.get("/orders").array.count == 5)
        }
    }

    @Test("A status change between two pages shifts the next page (orders are skipped)")
    func mutationBetweenPages() async throws {
        try await withHarness(orders: 10, statusMix: .only(11)) { (h: Harness) async throws in
            let all = try await h.sandbox.state.orders(store: h.store).map(\.id)
            await h.sandbox.state.injectFault(SandboxFault(.mutationBetweenPages(.changeStatusOfServedOrders(count: 2, to: 5)), endpoint: .listOrders))
            let p1 = ids(try await h.get("/orders?status_id=11&limit=5&page=1"))
            let p2 = ids(try await h.get("/orders?status_id=11&limit=5&page=2"))
            #expect(p1 == Array(all[0..<5]))
            #expect(p2 == Array(all[7..<10]))  // two orders slid onto page 1 and were never seen
        }
    }

    @Test("Touching served orders moves them to the end of a date_modified listing")
    func touch() async throws {
        try await withHarness { (h: Harness) async throws in
            var made: [Int] = []
            for i in 0..<6 { made.append(try await h.sandbox.state.createOrder(store: h.store, plainOrder(modified: 1_700_000_000 + Int64(i))).id) }
            await h.sandbox.state.injectFault(SandboxFault(.mutationBetweenPages(.touchServedOrders(count: 1)), endpoint: .listOrders))
            let p1 = ids(try await h.get("/orders?sort=date_modified:asc&limit=3&page=1"))
            let p2 = ids(try await h.get("/orders?sort=date_modified:asc&limit=3&page=2"))
            #expect(p1 == Array(made[0..<3]))
            #expect(p2 == [made[4], made[5], made[0]])  // made[3] skipped, made[0] seen twice
        }
    }

    @Test("Probability faults: p=1 always fires, p=0 never; global faults hit every store")
    func probability() async throws {
        try await withHarness { (h: Harness) async throws in
            let always = await h.sandbox.state.injectFault(SandboxFault(.serverError(status: 503), trigger: .probability(1)))
            for _ in 0..<3 {
                let r = try await h.get("/time")
                #expect(r.status == 503)
            }
            await h.sandbox.state.removeFault(always)
            await h.sandbox.state.injectFault(SandboxFault(.serverError(status: 503), trigger: .probability(0)))
            for _ in 0..<3 {
                let r = try await h.get("/time")
                #expect(r.status == 200)
            }
        }
    }

    @Test("Store-scoped faults leave other stores alone")
    func scoped() async throws {
        try await withHarness { (h: Harness) async throws in
            try await h.sandbox.state.createStore(hash: "other")
            let t = try await h.sandbox.state.issueToken(store: "other")
            await h.sandbox.state.injectFault(SandboxFault(.serverError(status: 500), trigger: .nextRequests(5), store: "other"))
            #expect(try await h.get("/time").status == 200)
            #expect(try await h.request(.GET, h.sandbox.apiBaseURL(store: "other") + "/time", token: t).status == 500)
        }
    }
}

@Suite("Admin HTTP API and read-back")
struct AdminTests {
    @Test("Create a store, seed it, inject a fault and read counters over HTTP")
    func adminOverHTTP() async throws {
        try await withHarness { (h: Harness) async throws in
            let created = try await h.admin(.POST, "/stores", json: ["hash": "abc", "orders": 30, "seed": 9, "issue_token": true, "custom_status_labels": ["11": "Pick me"]])
            #expect(created.status == 201)
            let token = try #require(created.object["token"] as? String)
            let seeded = try await h.admin(.POST, "/stores/abc/seed", json: ["count": 5, "seed": 3, "status_mix": ["9": 1]])
            #expect(seeded.status == 201)
            let api = h.sandbox.apiBaseURL(store: "abc")
            #expect(try await h.request(.GET, api + "/orders/count", token: token).object["count"] as? Int ?? 0 >= 34)
            #expect(try await h.admin(.POST, "/faults", json: ["kind": "server_error", "status": 502, "store": "abc", "endpoint": "time"]).status == 201)
            #expect(try await h.request(.GET, api + "/time", token: token).status == 502)
            let reqs = try await h.admin(.GET, "/requests?store=abc").object
            #expect((reqs["counts"] as? [String: Int])?["time"] == 1)
            #expect((reqs["log"] as? [[String: Any]])?.last?["status"] as? Int == 502)
            let orders = try await h.admin(.GET, "/stores/abc/orders")
            #expect(orders.array.count == 35)
            #expect(try await h.admin(.GET, "/stores").array.count == 2)
        }
    }

    @Test("Create, edit, change status, cancel, archive an order over HTTP; shipments read-back")
    func merchantActions() async throws {
        try await withHarness { (h: Harness) async throws in
            let c = try await h.admin(.POST, "/stores/store1/orders", json: [
                "status_id": 11, "lines": [["sku": "A-1", "quantity": 2, "price": "9.99"], ["sku": "EBOOK", "quantity": 1, "type": "digital"]],
                "shipping_address": ["first_name": "Grace", "last_name": "Hopper", "street_1": "1 Navy Way", "city": "Arlington", "state": "Virginia", "zip": "22201"],
            ])
            #expect(c.status == 201)
            let id = try #require(c.object["id"] as? Int)
            let o = try await h.get("/orders/\(id)").object
            #expect(o["subtotal_ex_tax"] as? String == "29.9800")  // 2 x 9.99 + 10.00 (default price)
            #expect(try await h.admin(.PATCH, "/stores/store1/orders/\(id)", json: ["shipping_address": ["first_name": "Ada", "street_1": "2 Way", "city": "X", "state": "Y", "zip": "1"]]).status == 200)
            #expect(try await h.get("/orders/\(id)/shipping_addresses").array.first?["first_name"] as? String == "Ada")
            #expect(try await h.admin(.PUT, "/stores/store1/orders/\(id)/status", json: ["status_id": 9]).object["status_id"] as? Int == 9)
            #expect(try await h.admin(.POST, "/stores/store1/orders/\(id)/cancel").object["status_id"] as? Int == 5)
            #expect(try await h.admin(.POST, "/stores/store1/orders/\(id)/archive").object["is_deleted"] as? Bool == true)
            #expect(try await h.get("/orders").status == 204)
            #expect(try await h.admin(.GET, "/stores/store1/shipments").array.isEmpty)
            #expect(try await h.admin(.POST, "/stores/nosuch/seed", json: ["count": 1]).status == 404)
        }
    }

    @Test("Clock offset over HTTP moves /time")
    func clock() async throws {
        try await withHarness { (h: Harness) async throws in
            #expect(try await h.admin(.PUT, "/clock", json: ["offset_seconds": 86_400]).status == 200)
            let t = try await h.get("/time").object["time"] as! Int
            #expect(abs(t - Int(Date().timeIntervalSince1970) - 86_400) <= 2)
        }
    }

    @Test("Seeding is deterministic for a seed and realistic in shape")
    func deterministicSeed() async throws {
        let a = SandboxState(configuration: .init()), b = SandboxState(configuration: .init())
        for s in [a, b] {
            try await s.createStore(hash: "x")
            try await s.seedOrders(store: "x", count: 300, seed: 77, endingAt: 1_700_000_000)
        }
        let oa = try await a.orders(store: "x"), ob = try await b.orders(store: "x")
        #expect(oa == ob)
        #expect(oa.filter { $0.statusID == 11 }.count > 150)
        #expect(oa.contains { $0.lines.contains { $0.type == .digital } })
        #expect(oa.contains { $0.lines.contains { $0.variantID != 0 } })
        #expect(oa.contains { $0.lines.count > 1 })
        let shipped = oa.filter { $0.statusID == 2 }
        #expect(!shipped.isEmpty && shipped.allSatisfy { $0.dateShipped != nil })
    }

    @Test("Dates: RFC 2822 rendering and parsing of every accepted filter format")
    func dates() {
        #expect(SandboxDate.rfc2822(1_551_822_011) == "Tue, 05 Mar 2019 21:40:11 +0000")
        #expect(SandboxDate.parse("Tue, 05 Mar 2019 21:40:11 +0000") == 1_551_822_011)
        #expect(SandboxDate.parse("Thu, 20 Apr 2017 11:32:00 -0400") == SandboxDate.parse("2017-04-20T15:32:00Z"))
        #expect(SandboxDate.parse("2017-04-20T11:32:00.000-04:00") == SandboxDate.parse("2017-04-20T15:32:00+00:00"))
        #expect(SandboxDate.parse("2017-04-20") == SandboxDate.parse("2017-04-20T00:00:00Z"))
        #expect(SandboxDate.parse("1551822011") == 1_551_822_011)
        #expect(SandboxDate.parse("not a date") == nil)
        #expect(SandboxMoney("361.95")?.description == "361.9500")
        #expect(SandboxMoney(cents: -5).description == "-0.0500")
    }
}

@Suite("Admin HTTP API: app lifecycle, quotas, labels, coupons")
struct AdminMoreTests {
    @Test("Uninstall and load-url over HTTP, quota and status labels")
    func lifecycle() async throws {
        var config = SandboxConfiguration(rateLimitEnabled: true)
        config.loadCallbackURL = "https://app.example.com/load"
        try await withHarness(config) { (h: Harness) async throws in
            let load = try await h.admin(.GET, "/stores/store1/load-url")
            #expect((load.object["url"] as? String)?.hasPrefix("https://app.example.com/load?signed_payload_jwt=") == true)
            #expect(try await h.admin(.PUT, "/stores/store1/status-labels", json: ["9": "Packed"]).status == 200)
            #expect(try await h.get("/order_statuses/9").object["custom_label"] as? String == "Packed")
            #expect(try await h.admin(.PUT, "/stores/store1/quota", json: ["quota": 1]).status == 200)
            #expect(try await h.admin(.POST, "/stores/store1/quota/reset").status == 200)
            #expect(try await h.get("/time").status == 200)
            #expect(try await h.get("/time").status == 429)
            #expect(try await h.admin(.POST, "/stores/store1/quota/reset").status == 200)
            #expect(try await h.get("/time").status == 200)
            #expect(try await h.admin(.PUT, "/stores/store1/quota", json: ["quota": 100]).status == 200)
            let u = try await h.admin(.POST, "/stores/store1/uninstall")
            #expect(u.status == 200)
            #expect(try await h.get("/time").status == 401)
            let t = try await h.admin(.POST, "/stores/store1/tokens").object["token"] as! String
            #expect(try await h.admin(.POST, "/tokens/\(t)/revoke").status == 200)
            #expect(try await h.get("/time", token: t).status == 401)
        }
    }

    @Test("Coupons of an order are listed")
    func coupons() async throws {
        try await withHarness { (h: Harness) async throws in
            var o = plainOrder()
            o.coupons = [SandboxCoupon(id: 0, couponID: 7, code: "SAVE5", amount: SandboxMoney(cents: 500))]
            let made = try await h.sandbox.state.createOrder(store: h.store, o)
            let r = try await h.get("/orders/\(made.id)/coupons")
            #expect(r.status == 200)
            #expect(r.array.first?["code"] as? String == "SAVE5")
            #expect(r.array.first?["amount"] as? String == "5.0000")
            #expect(try await h.get("/orders/\(made.id)").object["coupon_discount"] as? String == "5.0000")
        }
    }
}
