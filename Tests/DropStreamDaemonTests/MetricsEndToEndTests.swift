import AsyncHTTPClient
import BigCommerceSandbox
import DropStreamControl
import Foundation
import NIOCore
import Testing

@testable import DropStreamDaemon

/// `/metrics` on the callback listener, scraped over real HTTP from the built daemon after real
/// work: a claim, a shipment delivered to the sandbox store.
@Suite struct MetricsEndToEndTests {
    @Test func scrapeShowsQueueGaugesClaimsShipmentsAndStoreResponses() async throws {
        let world = try await FulfillmentWorld(orders: 2)
        do {
            let claimed = try await world.ctlJSON(["queue", "claim", "--worker", "m1", "--limit", "1"], as: ClaimResponse.self)
            let order = try #require(claimed.orders.first)
            _ = try await world.ctlJSON(["orders", "ship", String(order.id), "--tracking", "MET-1", "--carrier", "ups"], as: ShipResponse.self)
            _ = try await world.waitForShipments(of: order.id, toBe: "delivered", count: 1)

            var exposition = try PrometheusExposition(parsing: "")
            try await eventually("the pusher's result is counted") {
                // Parsed strictly on every scrape: one malformed line fails the test.
                exposition = try PrometheusExposition(parsing: try await scrape(port: world.callbackPort))
                return exposition.value("dropstream_shipments_pushed_total", ["result": "delivered"]) == 1
            }
            // Every family is one the README's Metrics table lists, announced with its HELP and TYPE;
            // the ones this work touched are all there.
            for (name, family) in exposition.families {
                let documented = DaemonMetrics.all.first { $0.name == name }
                #expect(documented.map { PrometheusExposition.Family(type: $0.type.rawValue, help: $0.help) } == family, "\(name)")
            }
            for family in [DaemonMetrics.orders, DaemonMetrics.stores, DaemonMetrics.claims, DaemonMetrics.shipmentsPushed, DaemonMetrics.apiResponses, DaemonMetrics.quotaRemaining] {
                #expect(exposition.families[family.name] != nil, "missing \(family.name)")
            }
            // Gauges mirror the database: every order state and store state is present.
            #expect(exposition.value("dropstream_orders", ["state": "shipped"]) == 1)
            #expect(exposition.value("dropstream_orders", ["state": "ready"]) == 1)
            #expect(exposition.value("dropstream_orders", ["state": "claimed"]) == 0)
            #expect(exposition.samples.filter { $0.name == "dropstream_orders" }.count == 5)
            #expect(exposition.value("dropstream_stores", ["state": "paused"]) == 1)
            #expect(exposition.value("dropstream_orders_claimed_total") == 1)
            // The shipment POST answered 201 and was counted per store and status code.
            #expect(exposition.value("dropstream_api_responses_total", ["store": "acme1", "code": "201"]) == 1)
            #expect(exposition.value("dropstream_api_quota_remaining", ["store": "acme1"]) != nil)
        } catch {
            await world.shutdown()
            throw error
        }
        await world.shutdown()
    }

    private func scrape(port: Int) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "content-type")?.hasPrefix("text/plain; version=0.0.4") == true)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}
