import BigCommerceAPI
import DropStreamCore
import DropStreamStorage
import Foundation
import Logging

/// What one pass did, for the log line, `syncRun`, `store sync --wait` and the scheduler.
struct SyncPassReport: Sendable, Equatable {
    enum Outcome: String, Sendable, Equatable {
        /// Finished; the watermark moved.
        case succeeded
        /// Stopped by an error; the watermark did not move past anything unseen.
        case failed
        /// The store refused our token (401): it is now `needs_reauthorization`, polling stops.
        case needsReauthorization = "needs_reauthorization"
        /// The store is not active (paused, removed, ...): nothing was done.
        case skipped
    }

    var storeId: Int64
    var storeName: String
    var kind: SyncPassKind
    var outcome: Outcome
    var counts = PassCounts()
    /// Orders set aside because they moved to another open status in the store.
    var held = 0
    /// Requests this store's pacer let through during the pass (shared with other users of
    /// the store's quota, such as the shipment pusher).
    var requestsUsed = 0
    var quotaLeft: Int?
    var error: String?
    var startedAt: Date
    var duration: Duration = .zero
    /// The `syncRun` row, when one was written.
    var runId: Int64?
}

/// Syncs one store (DESIGN §5): one pass at a time, full or incremental, each committed so that
/// a crash anywhere makes the next pass repeat the work idempotently.
///
/// Listing pages are walked by id (`sort=id:asc`, `min_id` = last id seen + 1) rather than by
/// page number: an order leaving the listing between two requests cannot shift another one out
/// of sight. Incremental windows are closed (`[watermark − overlap, serverNow]`), so an order
/// modified during the pass leaves the window and is caught by the next one.
actor StoreSyncer {
    let storeId: Int64
    private let database: any StorageEngine
    private let makeClient: @Sendable (StoreRecord) async throws -> BigCommerceClient
    private let settings: SyncSettings
    private let logger: Logger
    private var current: Task<SyncPassReport, Never>?
    /// The last finished pass.
    private(set) var lastReport: SyncPassReport?

    init(
        storeId: Int64, database: any StorageEngine, settings: SyncSettings, logger: Logger,
        makeClient: @escaping @Sendable (StoreRecord) async throws -> BigCommerceClient
    ) {
        self.storeId = storeId
        self.database = database
        self.settings = settings
        self.logger = logger
        self.makeClient = makeClient
    }

    /// Whether a pass is running now.
    var isRunning: Bool { current != nil }

    /// Runs one pass, after any pass already running for this store (passes of one store never
    /// overlap). Cancelling the caller cancels the pass; its committed pages stay committed.
    func runPass(forceFull: Bool = false) async -> SyncPassReport {
        while let running = current { _ = await running.value }
        let task = Task { () -> SyncPassReport in
            let report = await self.performPass(forceFull: forceFull)
            self.finished(report)
            return report
        }
        current = task
        return await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
    }

    private func finished(_ report: SyncPassReport) {
        current = nil
        lastReport = report
    }

    // MARK: The pass

    private func performPass(forceFull: Bool) async -> SyncPassReport {
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = Date()
        var logger = self.logger
        logger[metadataKey: "store_id"] = "\(storeId)"

        let store: StoreRecord
        let cursor: SyncCursorRecord?
        do {
            guard let found = try await database.store(id: storeId) else {
                return SyncPassReport(storeId: storeId, storeName: "?", kind: .full, outcome: .skipped, error: "the store no longer exists", startedAt: startedAt)
            }
            store = found
            cursor = try await database.syncCursor(for: storeId)
        } catch {
            return SyncPassReport(storeId: storeId, storeName: "?", kind: .full, outcome: .failed, error: "database: \(error)", startedAt: startedAt)
        }
        logger[metadataKey: "store"] = "\(store.name)"
        guard store.state == .active else {
            return SyncPassReport(storeId: storeId, storeName: store.name, kind: .full, outcome: .skipped, error: "the store is \(store.state.rawValue)", startedAt: startedAt)
        }

        var report = SyncPassReport(
            storeId: storeId, storeName: store.name, kind: forceFull || cursor?.watermark == nil ? .full : .incremental,
            outcome: .failed, startedAt: startedAt)
        var client: BigCommerceClient?
        var before: RateLimitStatus?
        do {
            let made = try await makeClient(store)
            client = made
            before = await made.rateLimitStatus()
            // The store's clock, read before listing anything: whatever changes from now on has
            // date_modified >= serverNow and falls into the next window.
            let serverNow = try await made.serverTime()
            if report.kind == .incremental, cursor?.lastFullPassAt.map({ serverNow.timeIntervalSince($0) >= settings.fullReconcileInterval.timeInterval }) ?? true {
                report.kind = .full
            }
            logger[metadataKey: "pass"] = "\(report.kind.rawValue)"
            report.runId = try await database.startSyncRun(storeId: storeId, kind: report.kind, now: startedAt).id
            switch report.kind {
            case .full: try await fullPass(client: made, store: store, serverNow: serverNow, report: &report, logger: logger)
            case .incremental:
                try await incrementalPass(
                    client: made, store: store, since: cursor!.watermark!.addingTimeInterval(-settings.overlap.timeInterval),
                    serverNow: serverNow, report: &report, logger: logger)
            }
            report.outcome = .succeeded
        } catch let error as BigCommerceError {
            report.error = error.description
            if case .unauthorized = error {
                report.outcome = .needsReauthorization
                do {
                    _ = try await database.setStoreState(storeId, to: .needsReauthorization, event: StoreEventInput(
                        kind: "needs_reauthorization", actor: "sync", detail: ["reason": "401 from the store"]))
                } catch {
                    logger.error("could not mark the store as needing re-authorization", metadata: ["error": "\(error)"])
                }
            }
        } catch is CancellationError {
            report.error = "cancelled (the daemon is stopping)"
        } catch {
            report.error = "\(error)"
        }
        logger[metadataKey: "pass"] = "\(report.kind.rawValue)"

        if let client, let before {
            let after = await client.rateLimitStatus()
            report.requestsUsed = after.requestsSent - before.requestsSent
            report.quotaLeft = after.requestsLeft
        }
        report.duration = clock.now - started
        await record(&report, logger: logger)
        return report
    }

    /// Writes the `syncRun` row and the pass's log line.
    private func record(_ report: inout SyncPassReport, logger: Logger) async {
        let result = SyncRunResult(
            outcome: report.outcome == .succeeded ? .succeeded : .failed, counts: report.counts,
            requestsUsed: report.requestsUsed, quotaLeft: report.quotaLeft, error: report.error)
        do {
            // In a task of its own: a pass cancelled at shutdown must still be recorded.
            let (database, storeId, kind, startedAt, existing) = (self.database, self.storeId, report.kind, report.startedAt, report.runId)
            report.runId = try await Task {
                var runId = existing
                if runId == nil { runId = try await database.startSyncRun(storeId: storeId, kind: kind, now: startedAt).id }
                guard let runId else { throw CancellationError() }
                try await database.finishSyncRun(runId, result)
                return runId
            }.value
        } catch {
            logger.error("could not record the sync pass", metadata: ["error": "\(error)"])
        }
        let metadata: Logger.Metadata = [
            "seen": "\(report.counts.seen)", "new": "\(report.counts.new)", "updated": "\(report.counts.updated)",
            "cancelled": "\(report.counts.cancelled)", "held": "\(report.held)", "requests": "\(report.requestsUsed)",
            "quota_left": "\(report.quotaLeft.map(String.init) ?? "-")", "duration_ms": "\(report.duration.syncMilliseconds)",
        ]
        let summary = "seen \(report.counts.seen), new \(report.counts.new), updated \(report.counts.updated), cancelled \(report.counts.cancelled), held \(report.held); \(report.requestsUsed) requests"
        switch report.outcome {
        case .succeeded:
            logger.info("sync pass done: \(summary)", metadata: metadata)
        case .needsReauthorization:
            logger.error("the store refused our token (401); polling stops until 'dropstreamctl store authorize \(report.storeName)'", metadata: metadata)
        case .failed, .skipped:
            var metadata = metadata
            metadata["error"] = "\(report.error ?? "-")"
            logger.warning("sync pass failed: \(report.error ?? "-") (\(summary))", metadata: metadata)
        }
    }

    /// Lists every order in the import status by id, committing page by page without moving the
    /// watermark; then checks the open orders the listing did not show, and commits the last
    /// page, those changes and the watermark (server time at pass start) in one transaction.
    private func fullPass(
        client: BigCommerceClient, store: StoreRecord, serverNow: Date, report: inout SyncPassReport, logger: Logger
    ) async throws {
        var afterID = 0
        var seen = Set<String>()
        var lastUpserts: [ImportedOrder] = []
        while true {
            let page = try await firstPage(client, OrderListQuery(statusID: store.importStatusId, minID: afterID + 1))
            // A store that ignored the filter must not flood the queue: keep the import status only.
            let orders = page.filter { $0.statusID == store.importStatusId }
            let known = try await database.knownOrders(storeId: storeId, externalOrderIds: orders.map { String($0.id) })
            var upserts: [ImportedOrder] = []
            for order in orders {
                seen.insert(String(order.id))
                upserts.append(try await imported(order, client: client, known: known[String(order.id)], logger: logger))
            }
            let isLast = page.count < OrderListQuery().effectiveLimit
            if isLast {
                lastUpserts = upserts
                break
            }
            report.counts.add(try await database.commitPass(storeId: storeId, kind: .full, upserts: upserts, watermark: nil,
                                                                 unmappedShipping: settings.unmappedShipping))
            afterID = page.map(\.id).max() ?? afterID
        }

        // Open orders that are no longer in the import status: ask the store about each.
        var upserts = lastUpserts
        var cancellations: [StoreSideCancellation] = []
        let unseen = try await database.openExternalOrderIds(storeId: storeId).subtracting(seen)
        let stale = try await database.knownOrders(storeId: storeId, externalOrderIds: unseen.sorted())
        for known in stale.values.sorted(by: { $0.externalOrderId < $1.externalOrderId }) {
            guard let id = Int(known.externalOrderId) else { continue }
            let order: Order
            do {
                order = try await client.order(id: id)
            } catch BigCommerceError.notFound {
                cancellations.append(StoreSideCancellation(
                    externalOrderID: known.externalOrderId, storeStatusID: known.storeStatusId,
                    dateModified: max(serverNow, known.dateModified), reason: "deleted in store"))
                continue
            }
            if order.statusID == store.importStatusId, !order.isDeleted {
                upserts.append(try await imported(order, client: client, known: known, logger: logger))
            } else {
                try await depart(order, known: known, store: store, client: client, upserts: &upserts, cancellations: &cancellations, report: &report, logger: logger)
            }
        }
        report.counts.add(try await database.commitPass(
            storeId: storeId, kind: .full, upserts: upserts, cancellations: cancellations, watermark: serverNow,
            unmappedShipping: settings.unmappedShipping))
    }

    /// Lists every order modified in `[since, serverNow]` (all statuses) by id; upserts those in
    /// the import status, applies departures of known ones; the last page commits with the new
    /// watermark.
    private func incrementalPass(
        client: BigCommerceClient, store: StoreRecord, since: Date, serverNow: Date, report: inout SyncPassReport, logger: Logger
    ) async throws {
        var afterID = 0
        while true {
            let page = try await firstPage(
                client, OrderListQuery(minDateModified: since, maxDateModified: serverNow, minID: afterID + 1))
            let known = try await database.knownOrders(storeId: storeId, externalOrderIds: page.map { String($0.id) })
            var upserts: [ImportedOrder] = []
            var cancellations: [StoreSideCancellation] = []
            for order in page {
                let knownOrder = known[String(order.id)]
                if order.statusID == store.importStatusId {
                    upserts.append(try await imported(order, client: client, known: knownOrder, logger: logger))
                } else if let knownOrder {
                    try await depart(order, known: knownOrder, store: store, client: client, upserts: &upserts, cancellations: &cancellations, report: &report, logger: logger)
                }
            }
            let isLast = page.count < OrderListQuery().effectiveLimit
            report.counts.add(try await database.commitPass(
                storeId: storeId, kind: .incremental, upserts: upserts, cancellations: cancellations,
                watermark: isLast ? serverNow : nil, unmappedShipping: settings.unmappedShipping))
            if isLast { return }
            afterID = page.map(\.id).max() ?? afterID
        }
    }

    // MARK: Per order

    /// The queue form of an order in the import status (its lines from the embedded
    /// consignments, or fetched when the listing carried none).
    private func imported(_ order: Order, client: BigCommerceClient, known: KnownOrder?, logger: Logger) async throws -> ImportedOrder {
        let details = try await client.details(of: order)
        let result = OrderMapping.importedOrder(details)
        // Only an order we last saw outside the import status can come "back": a shipped order
        // whose shipment is not pushed yet is still in the import status, and that is normal.
        // (Compared by status, not only by date: date_modified has whole seconds, so a quick
        // cancel-and-restore can keep the same stamp.)
        if let known, known.state == .cancelled || known.state == .shipped, order.dateModified >= known.dateModified,
           known.storeStatusId != order.statusID {
            // Terminal here; the store put it back. Never re-queued on its own (it could ship
            // twice); the operator decides.
            logger.warning(
                "an order that is \(known.state.rawValue) here is back in the import status in the store; it is not re-queued",
                metadata: ["order_id": "\(order.id)", "status_id": "\(order.statusID)"])
            try? await database.recordOrderEvent(
                known.orderId, kind: OrderEventKind(rawValue: "back_in_import_status"), actor: .sync,
                detail: ["storeStatusId": String(order.statusID), "state": known.state.rawValue])
        } else {
            logger.debug(known == nil ? "order imported" : "order seen again", metadata: ["order_id": "\(order.id)", "status_id": "\(order.statusID)"])
        }
        return result
    }

    /// A known order the store shows outside the import status.
    private func depart(
        _ order: Order, known: KnownOrder, store: StoreRecord, client: BigCommerceClient, upserts: inout [ImportedOrder],
        cancellations: inout [StoreSideCancellation], report: inout SyncPassReport, logger: Logger
    ) async throws {
        let statusName = order.status.isEmpty ? "status" : order.status
        // Our own shipments move the store's order to Partially Shipped or Shipped while the
        // warehouse still holds the claim: that is our doing, not a departure.
        if known.state == .claimed, OrderMapping.ownShipmentStatuses.contains(order.statusID),
           try await database.shipments(forOrder: known.orderId).contains(where: { $0.state == .delivered || $0.state == .pushing }) {
            return
        }
        let departure = OrderMapping.departure(
            storeStatusID: order.statusID, statusName: statusName, known: .init(known.state), claimStatusID: store.claimStatusId,
            flippedStatusID: known.flippedStoreStatusId)
        let metadata: Logger.Metadata = ["order_id": "\(order.id)", "status_id": "\(order.statusID)"]
        switch departure {
        case .ignore:
            return
        case .cancel(let reason), .handledElsewhere(let reason):
            logger.debug("order left the import status: \(reason)", metadata: metadata)
            cancellations.append(StoreSideCancellation(
                externalOrderID: known.externalOrderId, storeStatusID: order.statusID, dateModified: order.dateModified, reason: reason))
        case .hold(let reason):
            guard order.dateModified >= known.dateModified else { return }
            switch known.state {
            case .ready:
                logger.debug("order held: \(reason)", metadata: metadata)
                _ = try await database.hold(known.orderId, reason: reason, actor: .sync)
                report.held += 1
            case .claimed:
                // The worker keeps its claim; the order is flagged changed-after-claim.
                upserts.append(OrderMapping.importedOrder(try await client.details(of: order)))
            case .held, .shipped, .cancelled:
                return
            }
        }
    }

    /// One page of a listing (the first page of `query`, which carries the `min_id` cursor).
    private func firstPage(_ client: BigCommerceClient, _ query: OrderListQuery) async throws -> [Order] {
        var pages = client.orders(query).makeAsyncIterator()
        return try await pages.next() ?? []
    }
}

extension PassCounts {
    mutating func add(_ other: PassCounts) {
        seen += other.seen
        new += other.new
        updated += other.updated
        cancelled += other.cancelled
    }
}
