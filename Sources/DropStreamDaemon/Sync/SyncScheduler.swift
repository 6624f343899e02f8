import BigCommerceAPI
import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import ServiceLifecycle

/// Polls every active store into the queue (DESIGN §5): one ``StoreSyncer`` per active store,
/// started and stopped as stores are added, paused, resumed or removed (the store list is
/// re-read periodically and on demand, so no restart is needed); at most
/// `sync.max_concurrent_passes` passes at once; jittered intervals; exponential back-off with
/// jitter after failures, reset by a success; a 401 stops a store until it is re-authorized.
///
/// `run()` is its whole life (STYLE §1). Its loop reports progress to the ``HealthMonitor``
/// as `sync-scheduler`, so a wedged scheduler stops the watchdog pings.
actor SyncScheduler: Service {
    static let loopName = "sync-scheduler"

    /// One store's schedule, for `store show` and the status line.
    struct StoreSchedule: Sendable {
        var storeId: Int64
        var running: Bool
        var nextPassAt: Date?
        var consecutiveFailures: Int
        var lastReport: SyncPassReport?
    }

    private struct Entry {
        var syncer: StoreSyncer
        var task: Task<Void, Never>
        var wake: WakeSignal
        var pollInterval: Duration
        var nextPassAt: Date?
        var fullRequested = false
        var consecutiveFailures = 0
    }

    private let database: any StorageEngine
    private let settings: SyncSettings
    private let health: HealthMonitor
    private let logger: Logger
    private let makeClient: @Sendable (StoreRecord) async throws -> BigCommerceClient
    private let limiter: PassLimiter
    private let refreshSignal = WakeSignal()
    private var entries: [Int64: Entry] = [:]
    private var lastPassFinishedAt: Date?
    private var stopping = false
    private let metrics: MetricsRegistry?

    init(
        database: any StorageEngine, settings: SyncSettings, health: HealthMonitor, logger: Logger,
        makeClient: @escaping @Sendable (StoreRecord) async throws -> BigCommerceClient,
        metrics: MetricsRegistry? = nil
    ) {
        self.metrics = metrics
        self.database = database
        self.settings = settings
        self.health = health
        self.logger = logger
        self.makeClient = makeClient
        self.limiter = PassLimiter(limit: settings.maxConcurrentPasses)
    }

    // MARK: Service

    func run() async throws {
        await health.register(loop: Self.loopName)
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.refresh()
                await self.health.reportProgress(loop: Self.loopName)
                await self.refreshSignal.wait(for: self.settings.storeRefreshInterval)
            }
        }
        await stopAll()
        await health.unregister(loop: Self.loopName)
    }

    /// Re-reads the store list now (a store was added, paused, resumed, authorized, removed).
    func storesChanged() async {
        await refreshSignal.signal()
    }

    /// Starts syncers for active stores without one, stops those whose store is no longer active.
    func refresh() async {
        guard !stopping else { return }
        let active: [StoreRecord]
        do {
            active = try await database.stores(state: .active)
        } catch {
            logger.error("sync: cannot read the store list", metadata: ["error": "\(error)"])
            return
        }
        let activeIDs = Set(active.map(\.id))
        for (id, entry) in entries where !activeIDs.contains(id) {
            entry.task.cancel()
            entries[id] = nil
            logger.notice("sync stopped for a store that is no longer active", metadata: ["store_id": "\(id)"])
        }
        for store in active {
            let interval = store.pollIntervalSeconds.map { Duration.seconds($0) } ?? settings.pollInterval
            if entries[store.id] != nil {
                entries[store.id]?.pollInterval = interval
                continue
            }
            start(store, pollInterval: interval)
        }
    }

    private func start(_ store: StoreRecord, pollInterval: Duration) {
        var storeLogger = logger
        storeLogger[metadataKey: "store"] = "\(store.name)"
        let syncer = StoreSyncer(storeId: store.id, database: database, settings: settings, logger: storeLogger, makeClient: makeClient)
        let wake = WakeSignal()
        // A small random delay so stores added together (a restart) do not start in lockstep.
        let firstDelay = Duration.milliseconds(Int64.random(in: 0...min(2_000, pollInterval.syncMilliseconds)))
        let storeId = store.id
        let task = Task { await self.storeLoop(storeId: storeId, syncer: syncer, wake: wake, firstDelay: firstDelay) }
        entries[store.id] = Entry(
            syncer: syncer, task: task, wake: wake, pollInterval: pollInterval, nextPassAt: Date().addingTimeInterval(firstDelay.timeInterval))
        logger.info("sync started", metadata: ["store": "\(store.name)", "poll_interval_s": "\(pollInterval.components.seconds)"])
    }

    private func storeLoop(storeId: Int64, syncer: StoreSyncer, wake: WakeSignal, firstDelay: Duration) async {
        var delay = firstDelay
        while !Task.isCancelled {
            await wake.wait(for: delay)
            guard !Task.isCancelled else { return }
            let full = entries[storeId]?.fullRequested ?? false
            entries[storeId]?.fullRequested = false
            entries[storeId]?.nextPassAt = nil
            guard let report = await limiter.withSlot({ await syncer.runPass(forceFull: full) }) else { return }
            guard let next = passFinished(storeId: storeId, report) else { return }
            delay = next
        }
    }

    /// Books a finished pass; returns the wait before the next one, or nil to stop the store.
    private func passFinished(storeId: Int64, _ report: SyncPassReport) -> Duration? {
        lastPassFinishedAt = Date()
        Task { [health] in await health.reportProgress(loop: Self.loopName) }
        if let metrics, report.outcome != .skipped {
            let store = ("store", report.storeName)
            metrics.increment(DaemonMetrics.ordersImported, by: report.counts.new, [store])
            metrics.increment(DaemonMetrics.syncPasses, [store, ("kind", report.kind.rawValue), ("outcome", report.outcome.rawValue)])
            metrics.observe(DaemonMetrics.syncPassDuration, report.duration, [("kind", report.kind.rawValue)])
        }
        guard var entry = entries[storeId] else { return nil }
        let delay: Duration
        switch report.outcome {
        case .succeeded:
            entry.consecutiveFailures = 0
            delay = entry.pollInterval.jittered(0.9...1.1)
        case .failed:
            if Task.isCancelled { return nil }
            entry.consecutiveFailures += 1
            let exponent = min(entry.consecutiveFailures - 1, 16)
            let backoff = min(settings.failureBackoff * (1 << exponent), settings.maximumFailureBackoff)
            delay = backoff.jittered(0.5...1.0)
        case .needsReauthorization, .skipped:
            // Not active any more: stop; the next refresh starts it again if it becomes active.
            entries[storeId] = nil
            return nil
        }
        entry.nextPassAt = Date().addingTimeInterval(delay.timeInterval)
        entries[storeId] = entry
        return delay
    }

    private func stopAll() async {
        stopping = true
        let tasks = entries.values.map(\.task)
        entries.removeAll()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    // MARK: On demand

    /// Runs a pass of an active store now. With `wait`, returns its report; otherwise the
    /// store's loop is woken (a full pass if asked) and nil is returned at once.
    func syncNow(storeId: Int64, full: Bool, wait: Bool) async -> SyncPassReport? {
        if entries[storeId] == nil { await refresh() }
        guard let entry = entries[storeId] else { return nil }
        if wait {
            guard let report = await limiter.withSlot({ await entry.syncer.runPass(forceFull: full) }) else { return nil }
            lastPassFinishedAt = Date()
            if report.outcome == .needsReauthorization || report.outcome == .skipped {
                entries[storeId]?.task.cancel()
                entries[storeId] = nil
            }
            return report
        }
        if full { entries[storeId]?.fullRequested = true }
        await entry.wake.signal()
        return nil
    }

    // MARK: Reading

    /// The schedule of one store; nil when it is not being synced.
    func schedule(storeId: Int64) async -> StoreSchedule? {
        guard let entry = entries[storeId] else { return nil }
        return StoreSchedule(
            storeId: storeId, running: await entry.syncer.isRunning, nextPassAt: entry.nextPassAt,
            consecutiveFailures: entry.consecutiveFailures, lastReport: await entry.syncer.lastReport)
    }

    /// Stores being synced, and when the last pass (of any store) finished.
    func summary() -> (syncing: Int, lastPassFinishedAt: Date?) {
        (entries.count, lastPassFinishedAt)
    }

    /// Ids of the stores being synced.
    func syncedStoreIDs() -> Set<Int64> { Set(entries.keys) }
}
