import DropStreamControl
import DropStreamCore
import DropStreamStorage
import Foundation
import Hummingbird

// The sync routes of the control API (issue 5): `POST` and `GET /v1/stores/{name}/sync`.

extension ControlRoutes {
    func registerSyncRoutes(on router: Router<ControlRequestContext>) {
        let path = RouterPath(ControlAPI.Path.stores + "/:name/sync")
        router.post(path) { request, context in
            let body = try await decode(SyncRequest.self, from: request)
            return try await syncNow(try name(context), body)
        }
        router.get(path) { _, context in try ControlJSON.response(try await syncInfo(try name(context))) }
    }

    private func syncNow(_ name: String, _ body: SyncRequest) async throws -> Response {
        guard let scheduler else { throw ControlAPIError.unavailable("the sync scheduler is not running") }
        let store = try await syncedStore(name)
        guard store.state == .active else {
            let hint = store.state == .needsReauthorization || store.state == .awaitingAuthorization
                ? " (run 'dropstreamctl store authorize \(store.name)')" : store.state == .paused ? " (run 'dropstreamctl store resume \(store.name)')" : ""
            throw ControlAPIError.conflict("store '\(store.name)' is \(store.state.rawValue); only an active store is synced\(hint)")
        }
        let report = await scheduler.syncNow(storeId: store.id, full: body.full, wait: body.wait)
        guard body.wait else {
            return try ControlJSON.response(SyncResponse(store: store.name, scheduled: true, pass: nil), status: .accepted)
        }
        guard let report else { throw ControlAPIError.unavailable("the daemon is stopping; no pass was run") }
        return try ControlJSON.response(SyncResponse(store: store.name, scheduled: false, pass: Self.info(report)))
    }

    private func syncInfo(_ name: String) async throws -> StoreSyncInfo {
        let store = try await syncedStore(name)
        let cursor = try await database.syncCursor(for: store.id)
        let schedule = await scheduler?.schedule(storeId: store.id)
        let lastRun = try await database.syncRuns(storeId: store.id, limit: 1).first
        var lastPass = lastRun.map(Self.info)
        // The held count is only known in memory; add it when the report is the same pass.
        if let report = schedule?.lastReport, report.runId == lastRun?.id { lastPass?.ordersHeld = report.held }
        return StoreSyncInfo(
            store: store.name, syncing: schedule != nil, passRunning: schedule?.running ?? false, watermark: cursor?.watermark,
            lastFullPassAt: cursor?.lastFullPassAt, nextPassAt: schedule?.nextPassAt,
            consecutiveFailures: schedule?.consecutiveFailures ?? 0, lastPass: lastPass,
            lastError: lastRun?.outcome == .failed ? lastRun?.error : nil)
    }

    private func syncedStore(_ name: String) async throws -> StoreRecord {
        guard let store = try await database.store(named: name) else {
            throw ControlAPIError.notFound("no store named '\(name)'; 'dropstreamctl store list' shows them")
        }
        return store
    }

    static func info(_ report: SyncPassReport) -> SyncPassInfo {
        SyncPassInfo(
            kind: report.kind.rawValue, outcome: report.outcome.rawValue, startedAt: report.startedAt,
            finishedAt: report.startedAt.addingTimeInterval(report.duration.timeInterval),
            durationMilliseconds: report.duration.syncMilliseconds, ordersSeen: report.counts.seen, ordersNew: report.counts.new,
            ordersUpdated: report.counts.updated, ordersCancelled: report.counts.cancelled, ordersHeld: report.held,
            requestsUsed: report.requestsUsed, quotaLeft: report.quotaLeft, error: report.error)
    }

    static func info(_ run: SyncRunRecord) -> SyncPassInfo {
        SyncPassInfo(
            kind: run.kind.rawValue, outcome: run.outcome.rawValue, startedAt: run.startedAt, finishedAt: run.finishedAt,
            durationMilliseconds: run.finishedAt.map { Int64(($0.timeIntervalSince(run.startedAt) * 1000).rounded()) },
            ordersSeen: run.ordersSeen, ordersNew: run.ordersNew, ordersUpdated: run.ordersUpdated,
            ordersCancelled: run.ordersCancelled, ordersHeld: nil, requestsUsed: run.requestsUsed, quotaLeft: run.quotaLeft,
            error: run.error)
    }
}
