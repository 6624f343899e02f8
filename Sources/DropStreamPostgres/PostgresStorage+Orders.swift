import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// The sync engine's side of the queue: upserts, store-side cancellations, the pass commit
// (DESIGN §5), and the operator's listings — the SQLite engine's rules, in PostgreSQL. Each
// order row a write looks at is locked (`FOR UPDATE`) before it is judged, so a claim on
// another connection cannot slip between the read and the write.

extension PostgresStorage {
    public func upsertImportedOrder(
        storeId: Int64, _ order: ImportedOrder, unmappedShipping: UnmappedShippingPolicy, now: Date
    ) async throws -> UpsertResult {
        try await write { db in
            let rules = try await Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping)
            return try await Self.upsert(db, storeId: storeId, order, rules: rules, now: now)
        }
    }

    public func cancelOrder(storeId: Int64, _ cancellation: StoreSideCancellation, now: Date) async throws
        -> CancellationResult
    {
        try await write { db in try await Self.cancel(db, storeId: storeId, cancellation, now: now) }
    }

    public func commitPass(
        storeId: Int64, kind: SyncPassKind, upserts: [ImportedOrder], cancellations: [StoreSideCancellation],
        watermark: Date?, unmappedShipping: UnmappedShippingPolicy, now: Date
    ) async throws -> PassCounts {
        try await write { db in
            guard try await Self.fetchStore(db, storeId) != nil else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            var counts = PassCounts()
            let rules = upserts.isEmpty
                ? nil : try await Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping)
            for order in upserts {
                counts.seen += 1
                switch try await Self.upsert(db, storeId: storeId, order, rules: rules, now: now).change {
                case .inserted: counts.new += 1
                case .updated, .changedAfterClaim: counts.updated += 1
                case .unchanged, .terminal: break
                }
            }
            for cancellation in cancellations {
                counts.seen += 1
                switch try await Self.cancel(db, storeId: storeId, cancellation, now: now) {
                case .cancelled, .flaggedWhileClaimed: counts.cancelled += 1
                case .unchanged, .unknownOrder: break
                }
            }
            if let watermark {
                let lastFull: Date? = kind == .full ? watermark : nil
                try await db.run(
                    """
                    INSERT INTO syncCursor (storeId, watermark, lastFullPassAt, updatedAt)
                    VALUES (\(storeId), \(watermark), \(lastFull), \(now))
                    ON CONFLICT (storeId) DO UPDATE SET
                      watermark = excluded.watermark,
                      lastFullPassAt = coalesce(excluded.lastFullPassAt, syncCursor.lastFullPassAt),
                      updatedAt = excluded.updatedAt
                    """)
            }
            return counts
        }
    }

    public func syncCursor(for storeId: Int64) async throws -> SyncCursorRecord? {
        try await read { db in try await db.one("SELECT * FROM syncCursor WHERE storeId = \(storeId)", Row.syncCursor) }
    }

    public func recordOrderEvent(
        _ orderId: Int64, kind: OrderEventKind, actor: EventActor, detail: [String: String]?, now: Date
    ) async throws {
        try await write { db in
            _ = try await Self.fetchOrder(db, orderId)
            try await Self.appendEvent(db, orderId: orderId, kind: kind, from: nil, to: nil, actor: actor, detail: detail, at: now)
        }
    }

    // MARK: Reading

    public func order(id: Int64) async throws -> FulfillmentOrderRecord? {
        try await read { db in try await db.one("SELECT * FROM fulfillmentOrder WHERE id = \(id)", Row.order) }
    }

    public func order(storeId: Int64, externalOrderId: String) async throws -> FulfillmentOrderRecord? {
        try await read { db in
            try await db.one(
                "SELECT * FROM fulfillmentOrder WHERE storeId = \(storeId) AND externalOrderId = \(externalOrderId)",
                Row.order)
        }
    }

    public func orders(store storeId: Int64?, state: OrderState?, since: Date?, limit: Int) async throws
        -> [FulfillmentOrderRecord]
    {
        guard limit > 0 else { throw StorageError.invalidArgument("The limit must be positive (got \(limit)).") }
        return try await read { db in
            try await db.all(
                """
                SELECT * FROM fulfillmentOrder
                WHERE (\(storeId)::int8 IS NULL OR storeId = \(storeId))
                  AND (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
                  AND (\(since)::timestamptz IS NULL OR updatedAt >= \(since))
                ORDER BY createdAt DESC, id DESC LIMIT \(limit)
                """, Row.order)
        }
    }

    public func events(forOrder orderId: Int64) async throws -> [OrderEventRecord] {
        try await read { db in
            try await db.all("SELECT * FROM orderEvent WHERE orderId = \(orderId) ORDER BY id", Row.orderEvent)
        }
    }

    // MARK: Sync lookups

    public func knownOrders(storeId: Int64, externalOrderIds: [String]) async throws -> [String: KnownOrder] {
        guard !externalOrderIds.isEmpty else { return [:] }
        return try await read { db in
            let rows = try await db.all(
                """
                SELECT id, externalOrderId, state, storeStatusId, dateModified, flippedStoreStatusId
                FROM fulfillmentOrder WHERE storeId = \(storeId) AND externalOrderId = ANY(\(externalOrderIds))
                """
            ) { r in
                KnownOrder(
                    orderId: try r.column("id"), externalOrderId: try r.column("externalOrderId"),
                    state: try r.raw("state"), storeStatusId: try r.column("storeStatusId"),
                    dateModified: try r.column("dateModified"), flippedStoreStatusId: try r.column("flippedStoreStatusId"))
            }
            return Dictionary(rows.map { ($0.externalOrderId, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    public func openExternalOrderIds(storeId: Int64) async throws -> Set<String> {
        try await read { db in
            Set(try await db.all(
                "SELECT externalOrderId FROM fulfillmentOrder WHERE storeId = \(storeId) AND state IN ('ready', 'held')"
            ) { try $0.column("externalOrderId", as: String.self) })
        }
    }

    // MARK: Sync runs

    public func startSyncRun(storeId: Int64, kind: SyncPassKind, now: Date) async throws -> SyncRunRecord {
        try await write { db in
            try await db.one(
                """
                INSERT INTO syncRun (storeId, kind, startedAt, outcome)
                VALUES (\(storeId), \(kind.rawValue), \(now), 'running') RETURNING *
                """, Row.syncRun)!
        }
    }

    public func finishSyncRun(_ runId: Int64, _ result: SyncRunResult, now: Date) async throws -> SyncRunRecord {
        guard result.outcome != .running else {
            throw StorageError.invalidArgument("A finished sync run cannot be 'running'.")
        }
        return try await write { db in
            guard let run = try await db.one(
                """
                UPDATE syncRun SET finishedAt = \(now), outcome = \(result.outcome.rawValue),
                  ordersSeen = \(result.counts.seen), ordersNew = \(result.counts.new),
                  ordersUpdated = \(result.counts.updated), ordersCancelled = \(result.counts.cancelled),
                  requestsUsed = \(result.requestsUsed), quotaLeft = \(result.quotaLeft), error = \(result.error)
                WHERE id = \(runId) RETURNING *
                """, Row.syncRun)
            else { throw StorageError.invalidArgument("No sync run with id \(runId).") }
            return run
        }
    }

    public func syncRuns(storeId: Int64, limit: Int) async throws -> [SyncRunRecord] {
        try await read { db in
            try await db.all(
                "SELECT * FROM syncRun WHERE storeId = \(storeId) ORDER BY startedAt DESC, id DESC LIMIT \(limit)",
                Row.syncRun)
        }
    }

    // MARK: Transactions' building blocks

    static func fetchOrder(_ db: PostgresConnection, _ id: Int64, forUpdate: Bool = false) async throws
        -> FulfillmentOrderRecord
    {
        let order = forUpdate
            ? try await db.one("SELECT * FROM fulfillmentOrder WHERE id = \(id) FOR UPDATE", Row.order)
            : try await db.one("SELECT * FROM fulfillmentOrder WHERE id = \(id)", Row.order)
        guard let order else { throw StorageError.orderNotFound(id) }
        return order
    }

    /// See the SQLite engine's `upsert`: the same decisions, in the same order.
    static func upsert(
        _ db: PostgresConnection, storeId: Int64, _ order: ImportedOrder, rules: ResolutionRules?, now: Date
    ) async throws -> UpsertResult {
        let payload = try JSONText.encode(order.payload)
        let resolutionHold = rules.flatMap { SKUResolver.resolve(order.payload, rules: $0).holdReason }
        let holdReason = order.holdReason ?? resolutionHold
        let newState: OrderState = holdReason == nil ? .ready : .held
        // Insert-or-lock in one statement: a concurrent pass (another node, a restarted one)
        // inserting the same order waits here instead of failing on the unique key.
        if let insertedId = try await db.value(
            """
            INSERT INTO fulfillmentOrder
              (storeId, externalOrderId, state, storeStatusId, dateModified, payload, holdReason, createdAt, updatedAt)
            VALUES (\(storeId), \(order.externalOrderID), \(newState.rawValue), \(order.storeStatusID),
                    \(order.dateModified), \(payload), \(holdReason), \(now), \(now))
            ON CONFLICT (storeId, externalOrderId) DO NOTHING
            RETURNING id
            """, as: Int64.self)
        {
            var detail = ["storeStatusId": String(order.storeStatusID)]
            detail["holdReason"] = holdReason
            try await appendEvent(
                db, orderId: insertedId, kind: .imported, from: nil, to: newState, actor: .sync, detail: detail, at: now)
            return UpsertResult(orderId: insertedId, change: .inserted)
        }
        guard let existing = try await db.one(
            """
            SELECT * FROM fulfillmentOrder WHERE storeId = \(storeId) AND externalOrderId = \(order.externalOrderID)
            FOR UPDATE
            """, Row.order)
        else { throw StorageError.invalidArgument("Order \(order.externalOrderID) vanished during its upsert.") }
        // Idempotence: only a strictly newer store modification time changes anything.
        guard order.dateModified.milliseconds > existing.dateModified.milliseconds else {
            return UpsertResult(orderId: existing.id, change: .unchanged)
        }
        let detail = ["storeStatusId": String(order.storeStatusID)]
        switch existing.state {
        case .ready, .held:
            try await db.run(
                """
                UPDATE fulfillmentOrder SET payload = \(payload), storeStatusId = \(order.storeStatusID),
                  dateModified = \(order.dateModified), updatedAt = \(now),
                  flippedStoreStatusId = CASE
                    WHEN EXISTS (SELECT 1 FROM storeStatusChange c
                                 WHERE c.orderId = fulfillmentOrder.id AND c.state IN ('pending', 'sending'))
                    THEN flippedStoreStatusId ELSE NULL END
                WHERE id = \(existing.id)
                """)
            try await appendEvent(
                db, orderId: existing.id, kind: .updated, from: nil, to: nil, actor: .sync, detail: detail, at: now)
            if rules != nil {
                try await applyResolution(db, existing, holdReason: resolutionHold, actor: .sync, now: now)
            }
            return UpsertResult(orderId: existing.id, change: .updated)
        case .claimed:
            try await db.run(
                """
                UPDATE fulfillmentOrder SET payload = \(payload), storeStatusId = \(order.storeStatusID),
                  dateModified = \(order.dateModified), changedAfterClaim = true, updatedAt = \(now)
                WHERE id = \(existing.id)
                """)
            var flagged = detail
            flagged["claimedBy"] = existing.claimedBy
            try await appendEvent(
                db, orderId: existing.id, kind: .changedAfterClaim, from: nil, to: nil, actor: .sync, detail: flagged,
                at: now)
            return UpsertResult(orderId: existing.id, change: .changedAfterClaim)
        case .shipped, .cancelled:
            try await db.run(
                """
                UPDATE fulfillmentOrder SET storeStatusId = \(order.storeStatusID), dateModified = \(order.dateModified),
                  updatedAt = \(now) WHERE id = \(existing.id)
                """)
            return UpsertResult(orderId: existing.id, change: .terminal)
        }
    }

    static func cancel(_ db: PostgresConnection, storeId: Int64, _ cancellation: StoreSideCancellation, now: Date)
        async throws -> CancellationResult
    {
        guard let existing = try await db.one(
            """
            SELECT * FROM fulfillmentOrder
            WHERE storeId = \(storeId) AND externalOrderId = \(cancellation.externalOrderID) FOR UPDATE
            """, Row.order)
        else { return .unknownOrder }
        guard cancellation.dateModified.milliseconds >= existing.dateModified.milliseconds else {
            return .unchanged(orderId: existing.id)
        }
        let detail = ["storeStatusId": String(cancellation.storeStatusID), "reason": cancellation.reason]
        switch existing.state {
        case .ready, .held:
            try await db.run(
                """
                UPDATE fulfillmentOrder SET state = 'cancelled', holdReason = NULL,
                  storeStatusId = \(cancellation.storeStatusID), dateModified = \(cancellation.dateModified),
                  updatedAt = \(now) WHERE id = \(existing.id)
                """)
            try await appendEvent(
                db, orderId: existing.id, kind: .cancelled, from: existing.state, to: .cancelled, actor: .sync,
                detail: detail, at: now)
            return .cancelled(orderId: existing.id)
        case .claimed where !existing.cancelledInStore:
            try await db.run(
                """
                UPDATE fulfillmentOrder SET cancelledInStore = true, storeStatusId = \(cancellation.storeStatusID),
                  dateModified = \(cancellation.dateModified), updatedAt = \(now) WHERE id = \(existing.id)
                """)
            var flagged = detail
            flagged["claimedBy"] = existing.claimedBy
            try await appendEvent(
                db, orderId: existing.id, kind: .cancelledInStore, from: nil, to: nil, actor: .sync, detail: flagged,
                at: now)
            return .flaggedWhileClaimed(orderId: existing.id)
        case .claimed, .shipped, .cancelled:
            return .unchanged(orderId: existing.id)
        }
    }

    /// Appends one history row; every transition calls it inside the transition's transaction.
    static func appendEvent(
        _ db: PostgresConnection, orderId: Int64, kind: OrderEventKind, from: OrderState?, to: OrderState?,
        actor: EventActor, detail: [String: String]?, at: Date
    ) async throws {
        try await db.run(
            """
            INSERT INTO orderEvent (orderId, at, kind, fromState, toState, actor, detail)
            VALUES (\(orderId), \(at), \(kind.rawValue), \(from?.rawValue), \(to?.rawValue), \(actor.rawValue),
                    \(try JSONText.encode(detail)))
            """)
    }
}
