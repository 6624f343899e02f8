import AsyncHTTPClient
import BigCommerceSandbox
import DropStreamControl
import Foundation
import NIOCore
import Testing

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

            var text = ""
            try await eventually("the pusher's result is counted") {
                text = try await scrape(port: world.callbackPort)
                return text.contains(#"dropstream_shipments_pushed_total{result="delivered"} 1"#)
            }
            // Every family is announced with HELP and TYPE, and gauges mirror the database.
            for family in ["dropstream_orders gauge", "dropstream_stores gauge", "dropstream_orders_claimed_total counter",
                           "dropstream_shipments_pushed_total counter", "dropstream_api_responses_total counter",
                           "dropstream_api_quota_remaining gauge"] {
                #expect(text.contains("# TYPE \(family)"), "missing \(family) in:\n\(text)")
            }
            #expect(text.contains(#"dropstream_orders{state="shipped"} 1"#))
            #expect(text.contains(#"dropstream_orders{state="ready"} 1"#))
            #expect(text.contains(#"dropstream_stores{state="paused"} 1"#))
            #expect(text.contains("dropstream_orders_claimed_total 1"))
            // The shipment POST answered 201 and was counted per store and status code.
            #expect(text.contains(#"dropstream_api_responses_total{store="acme1",code="201"} 1"#))
            // Every sample line is "name{labels} number" or "name number".
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 2 && Double(parts[1]) != nil, "malformed sample: \(line)")
            }
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
