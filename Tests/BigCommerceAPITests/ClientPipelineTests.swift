import AsyncHTTPClient
import Foundation
import Logging
import Testing

@testable import BigCommerceAPI

/// The request pipeline (headers, paging, status mapping, retries) against scripted exchanges.
@Suite("Client request pipeline")
struct ClientPipelineTests {
    static func orderJSON(id: Int) -> String {
        #"{"id": \#(id), "status_id": 11, "date_created": "Tue, 05 Mar 2019 21:40:11 +0000"}"#
    }

    static func orderPage(_ ids: ClosedRange<Int>) -> String { "[" + ids.map(orderJSON).joined(separator: ",") + "]" }

    static let quotaHeaders: [(String, String)] = [
        ("X-Rate-Limit-Requests-Left", "140"), ("X-Rate-Limit-Requests-Quota", "150"),
        ("X-Rate-Limit-Time-Reset-Ms", "20000"), ("X-Rate-Limit-Time-Window-Ms", "30000"),
    ]

    @Test("every request carries the token, JSON accept and gzip; the query encodes + as %2B")
    func requestShape() async throws {
        let exchange = ScriptedExchange([.response(status: 204)])
        let client = Fixtures.client(exchange, token: "tok-123")
        let query = OrderListQuery(
            statusID: 11, minDateModified: Date(timeIntervalSince1970: 1_551_822_011),
            maxDateModified: Date(timeIntervalSince1970: 1_551_825_611), minID: 5, maxID: 900)
        var pages = 0
        for try await _ in client.orders(query) { pages += 1 }
        #expect(pages == 0)
        let request = try #require(exchange.requests.first)
        #expect(request.headers.first(name: "X-Auth-Token") == "tok-123")
        #expect(request.headers.first(name: "Accept") == "application/json")
        #expect(request.headers.first(name: "Accept-Encoding") == "gzip")
        #expect(request.method == .GET)
        #expect(
            request.url
                == "http://api.test/stores/abc123/v2/orders?status_id=11&min_id=5&max_id=900"
                + "&min_date_modified=2019-03-05T21:40:11%2B00:00&max_date_modified=2019-03-05T22:40:11%2B00:00"
                + "&sort=id:asc&page=1&limit=250&include=consignments.line_items&consignment_structure=object")
        #expect(request.endpoint == "GET /v2/orders")
    }

    @Test("listing pages until a short page")
    func pagingStopsOnShortPage() async throws {
        let exchange = ScriptedExchange([
            .response(status: 200, headers: Self.quotaHeaders, body: Self.orderPage(1...3)),
            .response(status: 200, headers: Self.quotaHeaders, body: Self.orderPage(4...6)),
            .response(status: 200, headers: Self.quotaHeaders, body: Self.orderPage(7...7)),
        ])
        let client = Fixtures.client(exchange)
        var ids: [[Int]] = []
        for try await page in client.orders(OrderListQuery(statusID: 11, limit: 3)) { ids.append(page.map(\.id)) }
        #expect(ids == [[1, 2, 3], [4, 5, 6], [7]])
        #expect(exchange.requests.last?.url.contains("&page=3&") == true)
        let status = await client.rateLimitStatus()
        #expect(status.requestsSent == 3)
        #expect(status.requestsQuota == 150)
        #expect(status.requestsLeft == 140)
    }

    @Test("a full last page is followed by one more request; [] and 204 both end the listing", arguments: [true, false])
    func pagingStopsOnEmpty(useNoContent: Bool) async throws {
        let exchange = ScriptedExchange([
            .response(status: 200, body: Self.orderPage(1...2)),
            useNoContent ? .response(status: 204) : .response(status: 200, body: "[]"),
        ])
        let client = Fixtures.client(exchange)
        var count = 0
        for try await page in client.orders(OrderListQuery(limit: 2)) { count += page.count }
        #expect(count == 2)
        #expect(exchange.requests.count == 2)
    }

    @Test("order products are paged with limit=250 until a short page")
    func productPaging() async throws {
        func lines(_ range: ClosedRange<Int>) -> String {
            "[" + range.map { #"{"id": \#($0), "sku": "S\#($0)", "quantity": 1}"# }.joined(separator: ",") + "]"
        }
        let exchange = ScriptedExchange([.response(status: 200, body: lines(1...250)), .response(status: 200, body: lines(251...260))])
        let client = Fixtures.client(exchange)
        let products = try await client.orderProducts(orderID: 100)
        #expect(products.count == 260)
        #expect(exchange.requests.map(\.url) == [
            "http://api.test/stores/abc123/v2/orders/100/products?page=1&limit=250",
            "http://api.test/stores/abc123/v2/orders/100/products?page=2&limit=250",
        ])
    }

    @Test("status mapping: 401, 403, 404, 422 with the API's message")
    func statusMapping() async throws {
        let exchange = ScriptedExchange([
            .response(status: 401, body: #"[{"status":401,"message":"Unauthorized"}]"#),
            .response(status: 403),
            .response(status: 404, body: #"[{"status":404,"message":"The requested resource was not found."}]"#),
            .response(status: 422, body: #"{"status":422,"title":"JSON data is missing or invalid","type":"/x"}"#),
        ])
        let client = Fixtures.client(exchange)
        await #expect(throws: BigCommerceError.unauthorized(endpoint: "GET /v2/time")) { try await client.serverTime() }
        await #expect(throws: BigCommerceError.forbidden(endpoint: "GET /v2/order_statuses")) { try await client.orderStatuses() }
        await #expect(throws: BigCommerceError.notFound(endpoint: "GET /v2/orders/9")) { try await client.order(id: 9) }
        await #expect(
            throws: BigCommerceError.rejected(endpoint: "PUT /v2/orders/9", status: 422, message: "JSON data is missing or invalid")
        ) { try await client.updateOrderStatus(orderID: 9, statusID: 2) }
        #expect(exchange.requests.count == 4)  // none of these is retried
    }

    @Test("5xx and timeouts on a GET are retried with back-off on the injected clock")
    func idempotentRetries() async throws {
        let clock = TestClock()
        let exchange = ScriptedExchange([
            .response(status: 502), .failure(HTTPClientError.deadlineExceeded), .response(status: 200, body: #"{"time": 1529512970}"#),
        ])
        let client = Fixtures.client(exchange, clock: clock, retry: RetryPolicy(maximumAttempts: 3, baseDelay: .seconds(1)))
        let time = try await client.serverTime()
        #expect(time.timeIntervalSince1970 == 1_529_512_970)
        #expect(exchange.requests.count == 3)
        #expect(clock.sleeps.count == 2)
        #expect(clock.sleeps[0] <= .seconds(1) && clock.sleeps[1] <= .seconds(2))
    }

    @Test("retries end with the last failure: server(503) or transport")
    func retriesExhausted() async throws {
        let exchange = ScriptedExchange([.response(status: 503), .response(status: 503), .response(status: 503)])
        let client = Fixtures.client(exchange)
        await #expect(throws: BigCommerceError.server(endpoint: "GET /v2/time", status: 503)) { try await client.serverTime() }
        let resets = ScriptedExchange([
            .failure(HTTPClientError.remoteConnectionClosed), .failure(HTTPClientError.remoteConnectionClosed),
            .failure(HTTPClientError.remoteConnectionClosed),
        ])
        await #expect(throws: BigCommerceError.transport(endpoint: "GET /v2/time", reason: "connection closed by the server")) {
            try await Fixtures.client(resets).serverTime()
        }
    }

    @Test("creating a shipment is never retried after it may have arrived: ambiguous")
    func postIsNotRetried() async throws {
        let shipment = NewShipment(orderAddressID: 7, items: [ShipmentItem(orderProductID: 1, quantity: 1)])
        for outcome: ScriptedExchange.Outcome in [.response(status: 500), .response(status: 504), .failure(HTTPClientError.readTimeout)] {
            let exchange = ScriptedExchange([outcome])
            let client = Fixtures.client(exchange)
            do {
                _ = try await client.createShipment(orderID: 100, shipment)
                Issue.record("should fail")
            } catch let error as BigCommerceError {
                guard case .ambiguous(let endpoint, _) = error else {
                    Issue.record("expected ambiguous, got \(error)")
                    continue
                }
                #expect(endpoint == "POST /v2/orders/100/shipments")
            }
            #expect(exchange.requests.count == 1)
        }
        // A connect timeout proves nothing was sent: plain transport error.
        let refused = ScriptedExchange([.failure(HTTPClientError.connectTimeout)])
        await #expect(throws: BigCommerceError.transport(endpoint: "POST /v2/orders/100/shipments", reason: "connect timed out")) {
            try await Fixtures.client(refused).createShipment(orderID: 100, shipment)
        }
    }

    @Test("a 429 is waited out (reset time) and retried, even for a POST")
    func rateLimitedThenSucceeds() async throws {
        let clock = TestClock()
        let exchange = ScriptedExchange([
            .response(status: 429, headers: [("X-Rate-Limit-Requests-Left", "0"), ("X-Rate-Limit-Time-Reset-Ms", "4200")]),
            .response(status: 201, headers: Self.quotaHeaders, body: ModelFixtures.shipment),
        ])
        let client = Fixtures.client(exchange, clock: clock)
        let shipment = try await client.createShipment(
            orderID: 100, NewShipment(orderAddressID: 7, items: [ShipmentItem(orderProductID: 1, quantity: 2)], trackingNumber: "1Z999"))
        #expect(shipment.id == 12)
        #expect(clock.sleeps == [.milliseconds(4200)])
        let body = try #require(exchange.requests.first?.body)
        #expect(String(decoding: body, as: UTF8.self).contains(#""order_address_id":7"#))
        #expect(exchange.requests.first?.headers.first(name: "Content-Type") == "application/json")
        #expect(await client.rateLimitStatus().rateLimitedResponses == 1)
    }

    @Test("persistent 429s end in rateLimited with the wait")
    func rateLimitedGivesUp() async throws {
        let limited = ScriptedExchange.Outcome.response(status: 429, headers: [("X-Rate-Limit-Time-Reset-Ms", "1000"), ("X-Retry-After", "3")])
        let exchange = ScriptedExchange([limited, limited, limited])
        let client = Fixtures.client(exchange, retry: RetryPolicy(maximumAttempts: 3, maximumRateLimitWaits: 2))
        await #expect(throws: BigCommerceError.rateLimited(endpoint: "GET /v2/order_statuses", retryAfter: .seconds(3))) {
            try await client.orderStatuses()
        }
    }

    @Test("shipments: 204 means none")
    func noShipments() async throws {
        let exchange = ScriptedExchange([.response(status: 204)])
        #expect(try await Fixtures.client(exchange).shipments(orderID: 5).isEmpty)
    }

    @Test("a body that does not decode names the endpoint and the field path, not the value")
    func decodingContext() async throws {
        let exchange = ScriptedExchange([.response(status: 200, body: #"[{"id": 1, "status_id": "eleven", "date_created": "Tue, 05 Mar 2019 21:40:11 +0000"}]"#)])
        let client = Fixtures.client(exchange)
        do {
            for try await _ in client.orders() {}
            Issue.record("should fail")
        } catch let error as BigCommerceError {
            guard case .decoding(let endpoint, let path, let reason) = error else {
                Issue.record("expected decoding, got \(error)")
                return
            }
            #expect(endpoint == "GET /v2/orders")
            #expect(path == "[0].status_id")
            #expect(!reason.contains("eleven"))
        }
    }

    @Test("an undecompressed gzip body is reported as a configuration problem")
    func gzipBody() async throws {
        let exchange = ScriptedExchange([.response(status: 200, body: "\u{1F}\u{8B}rest")])
        await #expect(throws: BigCommerceError.self) { try await Fixtures.client(exchange).orderStatuses() }
    }

    @Test("the token never appears in errors, descriptions, dumps or logs")
    func tokenRedaction() async throws {
        let secret = "SECRET-TOKEN-abcdef0123456789"
        let token = AccessToken(secret)
        #expect("\(token)" == "AccessToken(redacted)")
        #expect(String(reflecting: token) == "AccessToken(redacted)")
        var dumped = ""
        dump(token, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(token == AccessToken(secret))
        #expect(token != AccessToken(secret + "x"))

        let handler = CapturingLogHandler()
        let logger = Logger(label: "capture") { _ in handler }
        let exchange = ScriptedExchange([
            .response(status: 500), .response(status: 401, body: #"[{"status":401,"message":"Invalid token \#(secret)"}]"#),
            .failure(HTTPClientError.remoteConnectionClosed), .response(status: 422, body: #"[{"status":422,"message":"x"}]"#),
        ])
        let client = Fixtures.client(exchange, token: secret, logger: logger)
        var errors: [any Error] = []
        do { _ = try await client.serverTime() } catch { errors.append(error) }
        do {
            _ = try await client.createShipment(orderID: 1, NewShipment(orderAddressID: 1, items: []))
        } catch { errors.append(error) }
        do { _ = try await client.updateOrderStatus(orderID: 1, statusID: 2) } catch { errors.append(error) }
        #expect(errors.count == 3)
        for error in errors {
            #expect(!String(describing: error).contains(secret))
            #expect(!String(reflecting: error).contains(secret))
            #expect(!"\(error.localizedDescription)".contains(secret))
        }
        #expect(!handler.captured.isEmpty)
        #expect(handler.captured.allSatisfy { !$0.contains(secret) })
        #expect(!String(describing: client).contains(secret))
        var clientDump = ""
        dump(client, to: &clientDump)
        #expect(!clientDump.contains(secret))
    }
}
