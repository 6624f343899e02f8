import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The record of sync passes, for `store show` and troubleshooting (DESIGN §5, issue 5).

extension SQLiteStorage {
    /// Records the start of a pass; returns its row (outcome `running`).
    public func startSyncRun(storeId: Int64, kind: SyncPassKind, now: Date = Date()) async throws -> SyncRunRecord {
        try await writer.write { db in
            try SyncRunRecord.fetchOne(
                db,
                sql: "INSERT INTO syncRun (storeId, kind, startedAt, outcome) VALUES (?, ?, ?, 'running') RETURNING *",
                arguments: [storeId, kind, now])!
        }
    }

    /// Records the end of a pass.
    @discardableResult
    public func finishSyncRun(_ runId: Int64, _ result: SyncRunResult, now: Date = Date()) async throws -> SyncRunRecord {
        guard result.outcome != .running else {
            throw StorageError.invalidArgument("A finished sync run cannot be 'running'.")
        }
        return try await writer.write { db in
            guard let run = try SyncRunRecord.fetchOne(
                db,
                sql: """
                    UPDATE syncRun SET finishedAt = ?, outcome = ?, ordersSeen = ?, ordersNew = ?, ordersUpdated = ?,
                      ordersCancelled = ?, requestsUsed = ?, quotaLeft = ?, error = ?
                    WHERE id = ? RETURNING *
                    """,
                arguments: [now, result.outcome, result.counts.seen, result.counts.new, result.counts.updated,
                            result.counts.cancelled, result.requestsUsed, result.quotaLeft, result.error, runId])
            else { throw StorageError.invalidArgument("No sync run with id \(runId).") }
            return run
        }
    }

    /// A store's most recent passes, newest first.
    public func syncRuns(storeId: Int64, limit: Int = 20) async throws -> [SyncRunRecord] {
        try await writer.read { db in
            try SyncRunRecord
                .filter(SyncRunRecord.Columns.storeId == storeId)
                .order(SyncRunRecord.Columns.startedAt.desc, SyncRunRecord.Columns.id.desc)
                .limit(limit)
                .fetchAll(db)
        }
    }
}
