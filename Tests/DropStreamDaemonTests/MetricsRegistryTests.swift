import DropStreamCore
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Testing

@testable import BigCommerceAPI
@testable import DropStreamDaemon

/// The registry's exposition, read with the same strict parser the end-to-end scrape uses, and
/// the parser itself (it must refuse what Prometheus would refuse, or the scrape test proves
/// nothing).
@Suite struct MetricsRegistryTests {
    @Test func countersAndHistogramsRenderAsValidExpositionWithHelp() throws {
        let metrics = MetricsRegistry()
        metrics.increment(DaemonMetrics.claims, by: 3)
        metrics.increment(DaemonMetrics.syncPasses, [("store", #"we"ird\store"#), ("kind", "full"), ("outcome", "ok")])
        metrics.increment(DaemonMetrics.syncPasses, [("store", #"we"ird\store"#), ("kind", "full"), ("outcome", "ok")])
        metrics.observe(DaemonMetrics.syncPassDuration, .milliseconds(300), [("kind", "full")])
        metrics.observe(DaemonMetrics.syncPassDuration, .seconds(400), [("kind", "full")])

        var buffer: [UInt8] = []
        metrics.collectors.emit(into: &buffer)
        let exposition = try PrometheusExposition(parsing: String(decoding: buffer, as: UTF8.self))

        #expect(exposition.families[DaemonMetrics.claims.name] == .init(type: "counter", help: DaemonMetrics.claims.help))
        #expect(exposition.families[DaemonMetrics.syncPassDuration.name] == .init(type: "histogram", help: DaemonMetrics.syncPassDuration.help))
        #expect(exposition.value("dropstream_orders_claimed_total") == 3)
        // Label values are escaped on the way out and read back intact.
        #expect(exposition.value("dropstream_sync_passes_total", ["store": #"we"ird\store"#, "kind": "full", "outcome": "ok"]) == 2)
        // 0.3 s lands from the 0.5 s bucket up; 400 s only in +Inf.
        let bucket = { (le: String) in exposition.value("dropstream_sync_pass_duration_seconds_bucket", ["kind": "full", "le": le]) }
        #expect(bucket("0.25") == 0)
        #expect(bucket("0.5") == 1)
        #expect(bucket("300.0") == 1)
        #expect(bucket("+Inf") == 2)
        #expect(exposition.value("dropstream_sync_pass_duration_seconds_count", ["kind": "full"]) == 2)
        #expect(exposition.value("dropstream_sync_pass_duration_seconds_sum", ["kind": "full"]) == 400.3)
    }

    @Test func eachDaemonCountsOnlyItsOwnWork() throws {
        let first = MetricsRegistry(), second = MetricsRegistry()
        first.increment(DaemonMetrics.leaseExpiries, by: 2)
        var buffer: [UInt8] = []
        second.collectors.emit(into: &buffer)
        let exposition = try PrometheusExposition(parsing: String(decoding: buffer, as: UTF8.self))
        // Only the label-less counters, registered at 0 from the start (for rate()).
        #expect(exposition.value("dropstream_lease_expiries_total") == 0)
        #expect(exposition.value("dropstream_orders_claimed_total") == 0)
        #expect(exposition.samples.count == 2)
    }

    @Test(arguments: [
        "dropstream_x 1\n",  // no TYPE
        "# TYPE dropstream_x counter\ndropstream_x\n",  // no value
        "# TYPE dropstream_x counter\ndropstream_x one\n",
        "# TYPE dropstream_x counter\ndropstream_x{a=\"b\" 1\n",
        "# TYPE dropstream_x counter\ndropstream_x{a=b} 1\n",
        "# TYPE dropstream_x counter\ndropstream_x{a=\"b\\q\"} 1\n",
        "# TYPE dropstream_x counter\ndropstream_x{a=\"b\",a=\"c\"} 1\n",
        "# TYPE dropstream_x counter\ndropstream_x  1\n",
        "# TYPE dropstream_x counter\ndropstream_x -1\n",
        "# TYPE dropstream_x counter\ndropstream_x 1",  // no final line feed
        "# TYPE dropstream_x counter\n# TYPE dropstream_x gauge\ndropstream_x 1\n",
        "# TYPE dropstream_x wibble\ndropstream_x 1\n",
        "# HELP dropstream_x\n# TYPE dropstream_x counter\ndropstream_x 1\n",
        "# a comment\n",
        "# TYPE a counter\na 1\n# TYPE b counter\nb 1\na 2\n",  // a family split in two
        "# TYPE h histogram\nh_bucket{le=\"1.0\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1.0\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  // count != +Inf
    ])
    func parserRefusesMalformedExposition(_ text: String) {
        #expect(throws: PrometheusExposition.Malformed.self) { try PrometheusExposition(parsing: text) }
    }

    @Test func parserAcceptsTheFormatsOwnExamples() throws {
        let text = """
            # HELP a_total Things, with a \\\\ backslash.
            # TYPE a_total counter
            a_total{x="1",y="q\\"uote\\\\n\\n"} 2
            a_total 1.5e+06
            # TYPE h histogram
            h_bucket{le="0.5"} 1
            h_bucket{le="+Inf"} 3
            h_sum 7.25
            h_count 3
            # TYPE g gauge
            g -2.0

            """
        let exposition = try PrometheusExposition(parsing: text)
        #expect(exposition.value("a_total", ["x": "1", "y": "q\"uote\\n\n"]) == 2)
        #expect(exposition.value("a_total") == 1_500_000)
        #expect(exposition.value("g") == -2)
    }

    /// The README's Metrics table is the contract: same families, same types, same labels as
    /// the code records.
    @Test func readmeListsEveryFamilyWithItsType() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "\n## Metrics\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        var documented: [String: String] = [:]
        for line in section.split(separator: "\n") where line.hasPrefix("| `dropstream_") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        #expect(documented == Dictionary(uniqueKeysWithValues: DaemonMetrics.all.map { ($0.name, $0.type.rawValue) }))
    }
}

/// The scrape-time families, against a real SQLite database and pacer views the test controls.
@Suite struct MetricsExpositionTests {
    /// The pacer views a scrape sees; the test adds and removes stores.
    actor Pacers {
        var statuses: [(store: String, status: RateLimitStatus)] = []
        func set(_ statuses: [(store: String, status: RateLimitStatus)]) { self.statuses = statuses }
    }

    @Test func scrapeTimeSeriesFollowTheDatabaseAndThePacers() async throws {
        let database = try SQLiteStorage.openInMemory()
        let store = try await database.addStore(name: "acme", platform: .bigcommerce, storeHash: "acme1")
        let payload = OrderPayload(
            lines: [OrderLine(lineID: "1", sku: "SKU-1", name: "Widget", quantity: 1, isPhysical: true)],
            shippingAddress: ShippingAddress(
                addressID: "1", firstName: "A", lastName: "B", street1: "1 Road", city: "Town", state: "TX", zip: "75001",
                country: "United States", countryISO2: "US"),
            shippingMethod: "Ground", customerMessage: "")
        try await database.seedOrderHistory(storeId: store.id, count: 5, shipped: 2, payload: payload)
        let pacers = Pacers()
        let exposition = MetricsExposition(metrics: MetricsRegistry(), database: database, pacerStatuses: { await pacers.statuses })
        let seen = RateLimitStatus(
            requestsLeft: 10, requestsSent: 4, rateLimitedResponses: 1, totalWaited: .zero, responsesByStatus: [200: 3, 429: 1])
        await pacers.set([("acme1", seen)])

        // Scraped twice: the pacer's counts are set, not added again.
        _ = try PrometheusExposition(parsing: await exposition.render())
        var scrape = try PrometheusExposition(parsing: await exposition.render())
        #expect(scrape.value("dropstream_orders", ["state": "ready"]) == 3)
        #expect(scrape.value("dropstream_orders", ["state": "shipped"]) == 2)
        #expect(scrape.value("dropstream_orders", ["state": "cancelled"]) == 0)
        #expect(scrape.value("dropstream_stores", ["state": "awaiting_authorization"]) == 1)
        #expect(scrape.value("dropstream_api_responses_total", ["store": "acme1", "code": "200"]) == 3)
        #expect(scrape.value("dropstream_api_responses_total", ["store": "acme1", "code": "429"]) == 1)
        #expect(scrape.value("dropstream_api_quota_remaining", ["store": "acme1"]) == 10)

        // More orders: the open states move at once; the finished ones are reused for a minute.
        try await database.seedOrderHistory(storeId: store.id, count: 4, shipped: 2, payload: payload, firstExternalId: 100)
        // The store's pacer went away (the store was disconnected): its series go with it.
        await pacers.set([])
        scrape = try PrometheusExposition(parsing: await exposition.render())
        #expect(scrape.value("dropstream_orders", ["state": "ready"]) == 5)
        #expect(scrape.value("dropstream_orders", ["state": "shipped"]) == 2)
        #expect(scrape.families["dropstream_api_responses_total"] == nil)
        #expect(scrape.families["dropstream_api_quota_remaining"] == nil)
        #expect(scrape.samples.allSatisfy { $0.labels["store"] == nil })
    }
}
