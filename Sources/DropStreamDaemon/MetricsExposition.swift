import BigCommerceAPI
import DropStreamCore
import DropStreamStorage
import Prometheus

/// Renders `GET /metrics`: the registry's counters and histograms plus the families read at
/// scrape time (orders and stores by state from the database, each store's API responses and
/// quota from its pacer), which it writes into the same registry just before emitting.
///
/// An actor because a scrape sets series (a pacer's response counts are counters kept by the
/// pacer, so the scrape resets and re-adds them) and drops the ones whose store is gone: two
/// scrapes at once must not interleave those steps. The reads happen first, with awaits; the
/// writing and the emit are one synchronous step on the actor.
actor MetricsExposition {
    /// How long a count of `shipped` and `cancelled` orders is reused. Those two grow with the
    /// whole history (a tenth of a second of CPU per million orders to count), unlike the open
    /// states, which are read through the index on every scrape; a minute-old total of finished
    /// orders is still a true statement about the past, and nobody pages on it.
    static let terminalCountsMaxAge: Duration = .seconds(60)

    /// Every connected store's pacer view, by store hash.
    typealias PacerStatuses = @Sendable () async -> [(store: String, status: RateLimitStatus)]

    private let metrics: MetricsRegistry
    private let database: any StorageEngine
    private let pacerStatuses: PacerStatuses
    private let clock = ContinuousClock()
    private var terminalCounts: (counts: [OrderState: Int], readAt: ContinuousClock.Instant)?

    /// The series the last scrape set, so the next one can unregister those it no longer sets
    /// (a store that went away, a quota no longer known, a database that could not be read).
    private var scrapeSeries: [ObjectIdentifier: ScrapeSeries] = [:]

    private enum ScrapeSeries {
        case gauge(Gauge)
        case counter(Counter)
    }

    init(metrics: MetricsRegistry, database: any StorageEngine, connections: Connections) {
        self.init(metrics: metrics, database: database, pacerStatuses: { await connections.pacerStatuses() })
    }

    /// With the pacers given as a function, so tests can add and remove stores.
    init(metrics: MetricsRegistry, database: any StorageEngine, pacerStatuses: @escaping PacerStatuses) {
        self.metrics = metrics
        self.database = database
        self.pacerStatuses = pacerStatuses
    }

    /// The whole exposition, in text format.
    func render() async -> String {
        let open = try? await database.queueStatusCounts()
        var terminal = terminalCounts
        if terminal.map({ clock.now - $0.readAt > Self.terminalCountsMaxAge }) ?? true,
           let counts = try? await database.terminalOrderCounts()
        {
            terminal = (counts, clock.now)
            terminalCounts = terminal
        }
        let pacers = await pacerStatuses()
        return publishAndEmit(open: open, terminal: terminal?.counts, pacers: pacers)
    }

    private func publishAndEmit(
        open: QueueStatusCounts?, terminal: [OrderState: Int]?, pacers: [(store: String, status: RateLimitStatus)]
    ) -> String {
        let registry = metrics.collectors
        var current: [ObjectIdentifier: ScrapeSeries] = [:]
        func gauge(_ family: DaemonMetrics.Family, _ labels: MetricsRegistry.Labels, _ value: Int) {
            let gauge = registry.makeGauge(descriptor: family.descriptor, labels: labels)
            gauge.set(to: Double(value))
            current[ObjectIdentifier(gauge)] = .gauge(gauge)
        }
        // Orders by state only when every state could be read: a partial family would read as
        // "no orders shipped". Store states come with the open counts.
        if let open {
            if let terminal {
                for state in OrderState.allCases {
                    gauge(DaemonMetrics.orders, [("state", state.rawValue)], open.openOrders[state] ?? terminal[state] ?? 0)
                }
            }
            for state in StoreState.allCases {
                gauge(DaemonMetrics.stores, [("state", state.rawValue)], open.stores[state] ?? 0)
            }
        }
        for (store, status) in pacers {
            for (code, count) in status.responsesByStatus {
                let counter = registry.makeCounter(
                    descriptor: DaemonMetrics.apiResponses.descriptor, labels: [("store", store), ("code", String(code))])
                counter.reset()
                counter.increment(by: Int64(count))
                current[ObjectIdentifier(counter)] = .counter(counter)
            }
            if let left = status.requestsLeft { gauge(DaemonMetrics.quotaRemaining, [("store", store)], left) }
        }
        for (id, series) in scrapeSeries where current[id] == nil {
            switch series {
            case .gauge(let gauge): registry.unregisterGauge(gauge)
            case .counter(let counter): registry.unregisterCounter(counter)
            }
        }
        scrapeSeries = current
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
