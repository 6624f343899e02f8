import Prometheus

/// The daemon's counters and histograms, kept in a swift-prometheus `PrometheusCollectorRegistry`
/// that `/metrics` renders (DESIGN §3). Gauges that mirror the database or a store's quota are
/// not kept here: ``MetricsExposition`` reads them at scrape time, so they can never drift.
///
/// One registry per daemon, made in the composition root (`buildDaemon`), rather than
/// swift-metrics' `MetricsSystem.bootstrap(PrometheusMetricsFactory(...))`: the bootstrap is once
/// per process and global, and the test processes build several daemons in-process, each of
/// which must count only its own work. Using the registry directly also gives every family its
/// `# HELP` text (swift-metrics has no notion of one) and lets the scrape set counters that are
/// kept elsewhere (the pacers' responses by status code).
///
/// The registry is thread-safe (atomics and a lock inside the library), so recording is a plain
/// synchronous call from any isolation: no actor hop on the sync, claim and push paths.
final class MetricsRegistry: Sendable {
    /// A label set, rendered in the order given; call sites always pass the keys in the order
    /// the README lists them, so each series has one spelling.
    typealias Labels = [(String, String)]

    /// Upper bounds of the sync-pass duration histogram, 0.1 s to 5 min. Whole milliseconds, not
    /// `Duration.seconds(0.1)`: a binary fraction would render as `le="0.100000000000000005"`.
    static let passBuckets: [Duration] = [100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000].map { Duration.milliseconds($0) }

    let collectors: PrometheusCollectorRegistry

    init(collectors: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.collectors = collectors
        // The label-less counters exist from the start at 0, so `rate()` and `increase()` see
        // the first claim or expiry instead of a series that appears with its first value.
        for family in [DaemonMetrics.claims, DaemonMetrics.leaseExpiries] {
            _ = collectors.makeCounter(descriptor: family.descriptor, labels: [])
        }
    }

    func increment(_ family: DaemonMetrics.Family, by amount: Int = 1, _ labels: Labels = []) {
        precondition(family.type == .counter, "\(family.name) is not a counter")
        collectors.makeCounter(descriptor: family.descriptor, labels: labels).increment(by: Int64(amount))
    }

    func observe(_ family: DaemonMetrics.Family, _ duration: Duration, _ labels: Labels = []) {
        precondition(family.type == .histogram, "\(family.name) is not a histogram")
        collectors.makeDurationHistogram(descriptor: family.descriptor, labels: labels, buckets: Self.passBuckets).record(duration)
    }
}

/// The Prometheus text exposition format (version 0.0.4), as the registry writes it.
enum MetricsText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

/// Names, types and help of every family the daemon exports (the README's Metrics section is
/// the contract; keep the two in step).
enum DaemonMetrics {
    enum FamilyType: String, Sendable, Hashable { case counter, gauge, histogram }

    /// One metric family: its full name, type and `# HELP` text.
    struct Family: Sendable, Hashable {
        var name: String
        var type: FamilyType
        var help: String

        /// The library's descriptor: the whole name goes in `metricName`, so it renders verbatim.
        var descriptor: MetricNameDescriptor {
            MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
        }
    }

    static let ordersImported = Family(name: "dropstream_orders_imported_total", type: .counter, help: "Orders that entered the queue from a store.")
    static let syncPasses = Family(name: "dropstream_sync_passes_total", type: .counter, help: "Sync passes by store, kind and outcome.")
    static let syncPassDuration = Family(name: "dropstream_sync_pass_duration_seconds", type: .histogram, help: "Duration of sync passes.")
    static let shipmentsPushed = Family(
        name: "dropstream_shipments_pushed_total", type: .counter,
        help: "Shipment deliveries to stores by result (delivered, adopted, retry, deferred, failed).")
    static let storeStatusChanges = Family(
        name: "dropstream_store_status_changes_total", type: .counter,
        help: "Store order status changes of the claim flip by purpose (claim, restore) and result (set, already, skipped, superseded, retry, deferred, failed).")
    static let claims = Family(name: "dropstream_orders_claimed_total", type: .counter, help: "Orders handed to warehouse workers by a claim.")
    static let leaseExpiries = Family(name: "dropstream_lease_expiries_total", type: .counter, help: "Claims whose lease expired and went back to the queue.")
    static let orders = Family(name: "dropstream_orders", type: .gauge, help: "Orders in the queue by state.")
    static let stores = Family(name: "dropstream_stores", type: .gauge, help: "Stores by connection state.")
    static let apiResponses = Family(name: "dropstream_api_responses_total", type: .counter, help: "Responses from store APIs by store and HTTP status code.")
    static let quotaRemaining = Family(
        name: "dropstream_api_quota_remaining", type: .gauge, help: "Requests left in the store's current rate-limit window, as last seen.")

    /// Every family, for tests and docs.
    static let all: [Family] = [
        ordersImported, syncPasses, syncPassDuration, shipmentsPushed, storeStatusChanges, claims, leaseExpiries,
        orders, stores, apiResponses, quotaRemaining,
    ]
}
