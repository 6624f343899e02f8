import Foundation

/// The daemon's Prometheus metrics, served as text at `/metrics` on the callback listener.
///
/// DESIGN §3 names swift-metrics + swift-prometheus; they are not used (yet) because every CI
/// run builds the dependency graph from scratch and the exposition format for a dozen series
/// is a page of code. Counters and histograms live here; gauges that mirror the database or
/// a store's quota are read at scrape time, so they can never drift from the truth.
actor MetricsRegistry {
    /// A label set, rendered in a fixed order so series are stable.
    typealias Labels = [(String, String)]

    private struct Series: Hashable {
        var name: String
        var labels: [String]  // "key=value" pairs in order
    }

    private var counters: [Series: Double] = [:]
    private var histograms: [Series: Histogram] = [:]

    /// Cumulative buckets, as Prometheus expects.
    struct Histogram {
        static let passBuckets: [Double] = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]
        var bounds: [Double]
        var counts: [Int]
        var sum: Double = 0
        var count = 0

        init(bounds: [Double]) {
            self.bounds = bounds
            counts = Array(repeating: 0, count: bounds.count)
        }

        mutating func observe(_ value: Double) {
            for (index, bound) in bounds.enumerated() where value <= bound { counts[index] += 1 }
            sum += value
            count += 1
        }
    }

    func increment(_ name: String, by amount: Double = 1, _ labels: Labels = []) {
        counters[Series(name: name, labels: labels.map { "\($0.0)=\($0.1)" }), default: 0] += amount
    }

    func observe(_ name: String, _ value: Double, _ labels: Labels = [], buckets: [Double] = Histogram.passBuckets) {
        let series = Series(name: name, labels: labels.map { "\($0.0)=\($0.1)" })
        var histogram = histograms[series] ?? Histogram(bounds: buckets)
        histogram.observe(value)
        histograms[series] = histogram
    }

    /// The counter and histogram families, in text format; gauges are appended by the caller.
    func render(help: [String: (type: String, help: String)]) -> String {
        var families: [String: [String]] = [:]
        for (series, value) in counters {
            families[series.name, default: []].append(MetricsText.sample(series.name, series.labels, value))
        }
        for (series, histogram) in histograms {
            var lines: [String] = []
            for (index, bound) in histogram.bounds.enumerated() {
                lines.append(MetricsText.sample(series.name + "_bucket", series.labels + ["le=\(MetricsText.number(bound))"], Double(histogram.counts[index])))
            }
            lines.append(MetricsText.sample(series.name + "_bucket", series.labels + ["le=+Inf"], Double(histogram.count)))
            lines.append(MetricsText.sample(series.name + "_sum", series.labels, histogram.sum))
            lines.append(MetricsText.sample(series.name + "_count", series.labels, Double(histogram.count)))
            families[series.name, default: []].append(contentsOf: lines)
        }
        var out = ""
        for name in help.keys.sorted() {
            guard let lines = families[name], let info = help[name] else { continue }
            out += MetricsText.header(name, type: info.type, help: info.help)
            out += lines.sorted().joined(separator: "\n") + "\n"
        }
        return out
    }
}

/// The Prometheus text exposition format (version 0.0.4).
enum MetricsText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func header(_ name: String, type: String, help: String) -> String {
        "# HELP \(name) \(help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n"))\n# TYPE \(name) \(type)\n"
    }

    /// `name{a="b",c="d"} value`; `labels` are `key=value` strings, values escaped here.
    static func sample(_ name: String, _ labels: [String], _ value: Double) -> String {
        guard !labels.isEmpty else { return "\(name) \(number(value))" }
        let rendered = labels.map { pair -> String in
            let equals = pair.firstIndex(of: "=")!
            return "\(pair[..<equals])=\"\(escape(String(pair[pair.index(after: equals)...])))\""
        }
        return "\(name){\(rendered.joined(separator: ","))} \(number(value))"
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}

/// Names and help of every family the daemon exports (the README lists them too).
enum DaemonMetrics {
    static let ordersImported = "dropstream_orders_imported_total"
    static let syncPasses = "dropstream_sync_passes_total"
    static let syncPassDuration = "dropstream_sync_pass_duration_seconds"
    static let shipmentsPushed = "dropstream_shipments_pushed_total"
    static let storeStatusChanges = "dropstream_store_status_changes_total"
    static let claims = "dropstream_orders_claimed_total"
    static let leaseExpiries = "dropstream_lease_expiries_total"
    static let orders = "dropstream_orders"
    static let stores = "dropstream_stores"
    static let apiResponses = "dropstream_api_responses_total"
    static let quotaRemaining = "dropstream_api_quota_remaining"

    static let help: [String: (type: String, help: String)] = [
        ordersImported: ("counter", "Orders that entered the queue from a store."),
        syncPasses: ("counter", "Sync passes by store, kind and outcome."),
        syncPassDuration: ("histogram", "Duration of sync passes."),
        shipmentsPushed: ("counter", "Shipment deliveries to stores by result (delivered, adopted, retry, deferred, failed)."),
        storeStatusChanges: ("counter", "Store order status changes of the claim flip by purpose (claim, restore) and result (set, already, skipped, superseded, retry, deferred, failed)."),
        claims: ("counter", "Orders handed to warehouse workers by a claim."),
        leaseExpiries: ("counter", "Claims whose lease expired and went back to the queue."),
        orders: ("gauge", "Orders in the queue by state."),
        stores: ("gauge", "Stores by connection state."),
        apiResponses: ("counter", "Responses from store APIs by store and HTTP status code."),
        quotaRemaining: ("gauge", "Requests left in the store's current rate-limit window, as last seen."),
    ]
}
