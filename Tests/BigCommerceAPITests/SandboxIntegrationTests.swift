import AsyncHTTPClient
import BigCommerceSandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import BigCommerceAPI

/// A started sandbox plus one HTTP client, torn down together.
struct SandboxHarness {
    let sandbox: RunningSandbox
    let http: HTTPClient

    var endpoints: BigCommerceEndpoints { BigCommerceEndpoints(apiBaseURL: sandbox.baseURL, loginBaseURL: sandbox.baseURL) }

    /// A client for `store` whose pacer sleeps on a test clock; each sleep resets the sandbox's
    /// quota window, which is what real waiting would achieve.
    func client(
        store: String, token: String, clock: TestClock? = nil, pacer: RateLimitPacer? = nil,
        pacing: PacingPolicy = .default, retry: RetryPolicy = RetryPolicy(baseDelay: .milliseconds(10))
    ) -> BigCommerceClient {
        let state = sandbox.state
        let clock = clock ?? TestClock(afterSleep: { try? await state.resetQuotaWindow(store: store) })
        return BigCommerceClient(
            storeHash: try! StoreHash(parsing: store), accessToken: AccessToken(token), httpClient: http,
            configuration: BigCommerceClientConfiguration(endpoints: endpoints, requestTimeout: .seconds(10), retryPolicy: retry, pacingPolicy: pacing),
            pacer: pacer, clock: clock)
    }

    /// A store with a token, ready to query.
    func store(_ hash: String, quota: Int? = nil, labels: [Int: String] = [:]) async throws -> String {
        _ = try await sandbox.state.createStore(hash: hash, quota: quota, customStatusLabels: labels)
        return try await sandbox.state.issueToken(store: hash)
    }
}

func withSandbox(
    _ configuration: SandboxConfiguration = SandboxConfiguration(), _ body: (SandboxHarness) async throws -> Void
) async throws {
    let http = BigCommerceClient.makeHTTPClient()
    do {
        try await withRunningSandbox(configuration) { sandbox in try await body(SandboxHarness(sandbox: sandbox, http: http)) }
    } catch {
        try? await http.shutdown()
        throw error
    }
    try await http.shutdown()
}

func sandboxOrder(lines: Int, status: Int = 11) -> SandboxOrder {
    let address = SandboxAddress(
        firstName: "Ada", lastName: "Example", street1: "1 Test Way", city: "London", state: "London", zip: "N1",
        country: "United Kingdom", countryISO2: "GB", email: "ada@example.com")
    return SandboxOrder(
        statusID: status, billingAddress: address, shippingAddresses: [SandboxShippingAddress(id: 0, address: address, cost: SandboxMoney(cents: 500))],
        lines: (0..<lines).map { SandboxLineItem(productID: 10 + $0, name: "Widget \($0)", sku: "W-\($0)", price: SandboxMoney(cents: 1250), quantity: 2) })
}

@Suite("Against the sandbox over loopback HTTP")
struct SandboxIntegrationTests {
    @Test("listing pages 250 at a time, stops on the short page, orders carry consignments with lines")
    func listPaging() async throws {
        try await withSandbox { h in
            let token = try await h.store("list1")
            try await h.sandbox.state.seedOrders(store: "list1", count: 600, seed: 3, statusMix: .only(11))
            let client = h.client(store: "list1", token: token)
            var sizes: [Int] = []
            var ids: [Int] = []
            for try await page in client.orders(OrderListQuery(statusID: 11)) {
                sizes.append(page.count)
                ids += page.map(\.id)
                for order in page {
                    #expect(order.statusID == 11)
                    let shipping = try #require(order.consignments?.shipping)
                    #expect(!shipping.isEmpty)
                    #expect(shipping.allSatisfy { $0.lineItems != nil })
                }
            }
            #expect(sizes == [250, 250, 100])
            #expect(ids == ids.sorted() && Set(ids).count == 600)
            #expect(await h.sandbox.state.requestCounts(store: "list1")[.listOrders] == 3)
            let status = await client.rateLimitStatus()
            #expect(status.requestsSent == 3)
            #expect(status.requestsQuota == 150)
            #expect(status.requestsLeft == 147)
        }
    }

    @Test("an exact multiple of the limit ends on 204; an empty store yields no pages")
    func pagingEndsOnNoContent() async throws {
        try await withSandbox { h in
            let token = try await h.store("list2")
            try await h.sandbox.state.seedOrders(store: "list2", count: 500, seed: 4, statusMix: .only(11))
            let client = h.client(store: "list2", token: token)
            var sizes: [Int] = []
            for try await page in client.orders(OrderListQuery(statusID: 11)) { sizes.append(page.count) }
            #expect(sizes == [250, 250])
            #expect(await h.sandbox.state.requestCounts(store: "list2")[.listOrders] == 3)

            var pages = 0
            for try await _ in client.orders(OrderListQuery(statusID: 5)) { pages += 1 }
            #expect(pages == 0)
        }
    }

    @Test("date_modified window filters with %2B offsets (the sandbox rejects unparsable filters here)")
    func dateWindow() async throws {
        try await withSandbox(SandboxConfiguration(invalidFilter: .reject400)) { h in
            let token = try await h.store("dates1")
            try await h.sandbox.state.seedOrders(store: "dates1", count: 120, seed: 5, statusMix: .only(11))
            let all = try await h.sandbox.state.orders(store: "dates1").sorted { $0.dateModified < $1.dateModified }
            let low = all[30].dateModified
            let high = all[80].dateModified
            let expected = all.filter { $0.dateModified >= low && $0.dateModified <= high }.map(\.id).sorted()
            let client = h.client(store: "dates1", token: token)
            let query = OrderListQuery(
                minDateModified: Date(timeIntervalSince1970: TimeInterval(low)), maxDateModified: Date(timeIntervalSince1970: TimeInterval(high)),
                limit: 20, includeConsignmentLineItems: false)
            var ids: [Int] = []
            for try await page in client.orders(query) { ids += page.map(\.id) }
            #expect(ids.sorted() == expected)
        }
    }

    @Test("order products are paged with limit=250 (an order with 260 lines)")
    func productPaging() async throws {
        try await withSandbox { h in
            let token = try await h.store("lines1")
            let order = try await h.sandbox.state.createOrder(store: "lines1", sandboxOrder(lines: 260))
            let client = h.client(store: "lines1", token: token)
            let products = try await client.orderProducts(orderID: order.id)
            #expect(products.count == 260)
            #expect(Set(products.map(\.id)).count == 260)
            #expect(products.allSatisfy { $0.orderID == order.id && $0.quantity == 2 && $0.priceIncTax > 0 })
            #expect(await h.sandbox.state.requestCounts(store: "lines1")[.listProducts] == 2)
            let addresses = try await client.shippingAddresses(orderID: order.id)
            #expect(addresses.count == 1 && addresses[0].address.city == "London")
        }
    }

    @Test("statuses with the merchant's label, and the store's clock")
    func statusesAndTime() async throws {
        try await withSandbox { h in
            let token = try await h.store("meta1", labels: [11: "Ready to pick"])
            let client = h.client(store: "meta1", token: token)
            let statuses = try await client.orderStatuses()
            #expect(statuses.map(\.id).sorted() == Array(0...14))
            let fulfillment = try #require(statuses.first { $0.id == 11 })
            #expect(fulfillment.name == "Awaiting Fulfillment")
            #expect(fulfillment.customLabel == "Ready to pick")

            await h.sandbox.state.setClockOffset(seconds: 3_600)
            let serverTime = try await client.serverTime()
            #expect(abs(serverTime.timeIntervalSinceNow - 3_600) < 30)
        }
    }

    @Test("shipments: none (204), create one from the consignment, the order becomes Shipped; status PUT")
    func shipmentsAndStatus() async throws {
        try await withSandbox { h in
            let token = try await h.store("ship1")
            let created = try await h.sandbox.state.createOrder(store: "ship1", sandboxOrder(lines: 2))
            let other = try await h.sandbox.state.createOrder(store: "ship1", sandboxOrder(lines: 1))
            let client = h.client(store: "ship1", token: token)

            #expect(try await client.shipments(orderID: created.id).isEmpty)
            let order = try await client.order(id: created.id)
            let consignment = try #require(order.consignments?.shipping.first)
            let lines = try #require(consignment.lineItems)
            #expect(lines.count == 2)
            let shipment = try await client.createShipment(
                orderID: order.id,
                NewShipment(
                    orderAddressID: consignment.address.id, items: lines.map { ShipmentItem(orderProductID: $0.id, quantity: $0.quantity) },
                    trackingNumber: "1ZTEST", shippingProvider: "ups"))
            #expect(shipment.orderID == order.id)
            #expect(shipment.trackingNumber == "1ZTEST")
            #expect(Set(shipment.items.map(\.orderProductID)) == Set(lines.map(\.id)))
            #expect(try await client.shipments(orderID: order.id).map(\.id) == [shipment.id])
            let shipped = try await client.order(id: order.id, includeConsignmentLineItems: false)
            #expect(shipped.statusID == 2)
            #expect(shipped.dateShipped != nil)

            let updated = try await client.updateOrderStatus(orderID: other.id, statusID: 9)
            #expect(updated.statusID == 9)
            await #expect(throws: BigCommerceError.notFound(endpoint: "GET /v2/orders/999999")) { try await client.order(id: 999_999) }
        }
    }

    @Test("order details come from consignments when embedded, from sub-resources otherwise")
    func orderDetails() async throws {
        try await withSandbox { h in
            let token = try await h.store("detail1")
            let created = try await h.sandbox.state.createOrder(store: "detail1", sandboxOrder(lines: 3))
            let client = h.client(store: "detail1", token: token)
            let embedded = try await client.details(of: client.order(id: created.id))
            #expect(embedded.source == .consignments)
            #expect(embedded.lines.count == 3 && embedded.shippingAddresses.count == 1)
            #expect(embedded.lines.allSatisfy { $0.orderAddressID == embedded.shippingAddresses[0].id })
            let before = await h.sandbox.state.totalRequests(store: "detail1")
            let fetched = try await client.details(of: client.order(id: created.id, includeConsignmentLineItems: false))
            #expect(fetched.source == .subresources)
            #expect(fetched.lines.map(\.id).sorted() == embedded.lines.map(\.id).sorted())
            #expect(fetched.shippingAddresses.map(\.id) == embedded.shippingAddresses.map(\.id))
            #expect(await h.sandbox.state.totalRequests(store: "detail1") - before == 3)
        }
    }

    @Test("a revoked token gets unauthorized")
    func revokedToken() async throws {
        try await withSandbox { h in
            let token = try await h.store("auth1")
            let client = h.client(store: "auth1", token: token)
            _ = try await client.serverTime()
            try await h.sandbox.state.revokeToken(token)
            await #expect(throws: BigCommerceError.unauthorized(endpoint: "GET /v2/time")) { try await client.serverTime() }
        }
    }

    @Test("the pacer keeps a small quota from ever being exceeded")
    func pacingUnderQuota() async throws {
        try await withSandbox { h in
            let token = try await h.store("quota1", quota: 5)
            let clock = TestClock(afterSleep: { [state = h.sandbox.state] in try? await state.resetQuotaWindow(store: "quota1") })
            let client = h.client(store: "quota1", token: token, clock: clock)
            for _ in 0..<12 { _ = try await client.serverTime() }
            #expect(try await h.sandbox.state.quotaViolations(store: "quota1") == 0)
            // Reserve 2 of 5: three requests per window, so three waits for twelve requests.
            #expect(clock.sleeps.count == 3)
            let status = await client.rateLimitStatus()
            #expect(status.requestsSent == 12 && status.rateLimitedResponses == 0 && status.requestsQuota == 5)
        }
    }

    @Test("two clients that do not share a pacer meet a real 429 and wait it out")
    func realTooManyRequests() async throws {
        try await withSandbox { h in
            let token = try await h.store("quota2", quota: 4)
            let noReserve = PacingPolicy(reserve: 0)
            let first = h.client(store: "quota2", token: token, pacing: noReserve)
            let second = h.client(store: "quota2", token: token, pacing: noReserve)
            _ = try await first.serverTime()
            _ = try await first.serverTime()  // first believes 2 are left
            _ = try await second.serverTime()
            _ = try await second.serverTime()  // the window is used up; only second knows
            _ = try await first.serverTime()  // a real 429, waited out, then retried
            _ = try await second.serverTime()  // second paces itself instead
            #expect(await first.rateLimitStatus().rateLimitedResponses == 1)
            #expect(await second.rateLimitStatus().rateLimitedResponses == 0)
            #expect(try await h.sandbox.state.quotaViolations(store: "quota2") == 1)
        }
    }

    @Test("injected 429s with and without headers are waited out; 5xx and resets on GET are retried")
    func injectedFaults() async throws {
        try await withSandbox { h in
            let token = try await h.store("fault1")
            let clock = TestClock()
            let client = h.client(store: "fault1", token: token, clock: clock)
            let state = h.sandbox.state
            _ = await state.injectFault(SandboxFault(.rateLimited(withHeaders: true), store: "fault1", endpoint: .time))
            _ = try await client.serverTime()
            _ = await state.injectFault(SandboxFault(.rateLimited(withHeaders: false), store: "fault1", endpoint: .time))
            _ = try await client.serverTime()
            #expect(await client.rateLimitStatus().rateLimitedResponses == 2)
            #expect(clock.sleeps.count >= 2)

            _ = await state.injectFault(SandboxFault(.serverError(status: 503), trigger: .nextRequests(2), store: "fault1", endpoint: .listOrderStatuses))
            #expect(try await client.orderStatuses().count == 15)
            _ = await state.injectFault(SandboxFault(.connectionReset, store: "fault1", endpoint: .listOrderStatuses))
            #expect(try await client.orderStatuses().count == 15)
            _ = await state.injectFault(SandboxFault(.malformedJSON, store: "fault1", endpoint: .listOrderStatuses))
            await #expect(throws: BigCommerceError.decoding(endpoint: "GET /v2/order_statuses", path: "", reason: "malformed JSON")) {
                try await client.orderStatuses()
            }
        }
    }

    @Test("creating a shipment that meets a 500 or a reset is ambiguous, and is not repeated")
    func ambiguousShipment() async throws {
        try await withSandbox { h in
            let token = try await h.store("fault2")
            let created = try await h.sandbox.state.createOrder(store: "fault2", sandboxOrder(lines: 1))
            let client = h.client(store: "fault2", token: token)
            let order = try await client.order(id: created.id)
            let consignment = try #require(order.consignments?.shipping.first)
            let line = try #require(consignment.lineItems?.first)
            let request = NewShipment(orderAddressID: consignment.address.id, items: [ShipmentItem(orderProductID: line.id, quantity: 1)])
            for kind in [SandboxFault.Kind.serverError(status: 500), .connectionReset] {
                _ = await h.sandbox.state.injectFault(SandboxFault(kind, store: "fault2", endpoint: .createShipment))
                do {
                    _ = try await client.createShipment(orderID: order.id, request)
                    Issue.record("expected ambiguous")
                } catch BigCommerceError.ambiguous(let endpoint, _) {
                    #expect(endpoint == "POST /v2/orders/\(order.id)/shipments")
                }
            }
            #expect(await h.sandbox.state.requestCounts(store: "fault2")[.createShipment] == 2)
            #expect(try await client.shipments(orderID: order.id).isEmpty)
        }
    }

    @Test("install pages driven like a browser, then the code exchange; a replayed code is refused")
    func oauthInstallAndExchange() async throws {
        let configuration = SandboxConfiguration(clientID: "app-123", clientSecret: "s3cret-value", authCallbackURL: "https://app.example.com/auth")
        try await withSandbox(configuration) { h in
            _ = try await h.sandbox.state.createStore(hash: "oauth1")
            let oauth = BigCommerceOAuthClient(
                credentials: AppCredentials(clientID: "app-123", clientSecret: ClientSecret("s3cret-value")), endpoints: h.endpoints,
                httpClient: h.http)
            #expect(oauth.installURL == h.sandbox.installURL)

            let callback = try await driveInstall(h, installURL: oauth.installURL, email: "owner@oauth1.example.com", store: "oauth1")
            let code = try #require(callback["code"])
            let context = try #require(callback["context"])
            let scope = try #require(callback["scope"])
            #expect(try StoreHash(context: context).rawValue == "oauth1")

            let token = try await oauth.exchangeCode(code: code, context: context, scope: scope, redirectURI: configuration.authCallbackURL)
            #expect(token.storeHash.rawValue == "oauth1")
            #expect(token.scopes.contains("store_v2_orders"))
            #expect(token.user?.email == "owner@oauth1.example.com")
            let client = h.client(store: "oauth1", token: token.accessToken.revealedValue)
            _ = try await client.serverTime()

            do {
                _ = try await oauth.exchangeCode(code: code, context: context, scope: scope, redirectURI: configuration.authCallbackURL)
                Issue.record("a replayed code must fail")
            } catch let error as BigCommerceError {
                #expect(error == .rejected(endpoint: "POST /oauth2/token", status: 400, message: nil))
                #expect(!"\(error)".contains(code) && !"\(error)".contains("s3cret-value"))
            }
            let wrongSecret = BigCommerceOAuthClient(
                credentials: AppCredentials(clientID: "app-123", clientSecret: ClientSecret("wrong")), endpoints: h.endpoints, httpClient: h.http)
            await #expect(throws: BigCommerceError.unauthorized(endpoint: "POST /oauth2/token")) {
                try await wrongSecret.exchangeCode(code: "whatever", context: context, scope: scope, redirectURI: configuration.authCallbackURL)
            }
        }
    }

    @Test("the sandbox's signed load callback verifies; another app's secret does not")
    func signedLoadCallback() async throws {
        let configuration = SandboxConfiguration(clientID: "app-9", clientSecret: "jwt-secret", loadCallbackURL: "https://app.example.com/load")
        try await withSandbox(configuration) { h in
            _ = try await h.sandbox.state.createStore(hash: "jwt1")
            let url = try await h.sandbox.state.loadCallbackURL(store: "jwt1")
            let jwt = try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "signed_payload_jwt" }?.value)
            let verifier = SignedPayloadVerifier(credentials: AppCredentials(clientID: "app-9", clientSecret: ClientSecret("jwt-secret")))
            let claims = try verifier.verifyJWT(jwt)
            #expect(claims.storeHash.rawValue == "jwt1")
            #expect(claims.issuer == "bc")
            let stranger = SignedPayloadVerifier(credentials: AppCredentials(clientID: "app-9", clientSecret: ClientSecret("other")))
            #expect(throws: SignedPayloadError.badSignature) { try stranger.verifyJWT(jwt) }
        }
    }
}

/// GET install → POST sign-in → POST confirm → the 302 to the auth callback; returns its query.
func driveInstall(_ h: SandboxHarness, installURL: String, email: String, store: String) async throws -> [String: String] {
    func send(_ method: HTTPMethod, _ url: String, form: String? = nil) async throws -> (status: Int, headers: HTTPHeaders, text: String) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await h.http.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), response.headers, String(buffer: body))
    }
    let install = try await send(.GET, installURL)
    #expect(install.status == 200)
    let clientID = h.sandbox.state.configuration.clientID
    let encodedEmail = email.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
    let signIn = try await send(.POST, h.sandbox.baseURL + "/login", form: "client_id=\(clientID)&email=\(encodedEmail)&password=sandbox")
    #expect(signIn.status == 200)
    let session = try #require(signIn.text.firstMatch(of: #/name="session" value="([a-z0-9]+)"/#)?.1)
    let confirm = try await send(
        .POST, h.sandbox.baseURL + "/app/\(clientID)/install/confirm", form: "session=\(session)&store_hash=\(store)&action=confirm")
    #expect(confirm.status == 302)
    let location = try #require(confirm.headers.first(name: "Location"))
    var query: [String: String] = [:]
    for item in URLComponents(string: location)?.queryItems ?? [] {
        query[item.name] = item.value?.replacingOccurrences(of: "+", with: " ")
    }
    return query
}
