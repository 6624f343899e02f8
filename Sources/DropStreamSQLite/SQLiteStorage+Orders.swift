import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The sync engine's side of the queue: upserts, store-side cancellations, the pass commit
// (DESIGN §5), and the operator's listings (DESIGN §2 flow 6).

extension SQLiteStorage {
    /// Upserts one order seen in the store's import status, idempotently on
    /// `(storeId, externalOrderId, dateModified)`:
    /// new → `ready` (or `held` with `order.holdReason`) + event `imported`;
    /// changed while ready/held → payload replaced + event `updated`;
    /// changed while claimed → stays claimed, `changedAfterClaim` set + event `changed_after_claim`.
    @discardableResult
    ///
    /// The order is resolved against the store's SKU and shipping rules and the catalog in the
    /// same transaction (``SKUResolver``): a new order that does not resolve enters `held` with
    /// the resolution's reason; see ``upsert(_:storeId:_:rules:now:)`` for updates.
    public func upsertImportedOrder(
        storeId: Int64, _ order: ImportedOrder, unmappedShipping: UnmappedShippingPolicy = .pass, now: Date = Date()
    ) async throws -> UpsertResult {
        try await writer.write { db in
            let rules = try Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping)
            return try Self.upsert(db, storeId: storeId, order, rules: rules, now: now)
        }
    }

    /// Applies a known order leaving the import status: ready/held → `cancelled` + event;
    /// claimed → flagged `cancelledInStore` + event (the worker is told; shipping needs force).
    @discardableResult
    public func cancelOrder(storeId: Int64, _ cancellation: StoreSideCancellation, now: Date = Date()) async throws
        -> CancellationResult
    {
        try await writer.write { db in try Self.cancel(db, storeId: storeId, cancellation, now: now) }
    }

    /// Commits one sync pass (or one page of it) in ONE transaction: the upserts, the store-side
    /// cancellations, and — when `watermark` is not nil — the store's new watermark. A crash
    /// before the commit leaves everything as before, so the pass simply repeats (DESIGN §5).
    ///
    /// - Parameters:
    ///   - watermark: the store's server time at the start of the pass; `nil` keeps the old one
    ///     (a backfill committing page by page).
    ///   - kind: a `.full` pass with a watermark also records `lastFullPassAt`.
    @discardableResult
    public func commitPass(
        storeId: Int64, kind: SyncPassKind, upserts: [ImportedOrder], cancellations: [StoreSideCancellation] = [],
        watermark: Date?, unmappedShipping: UnmappedShippingPolicy = .pass, now: Date = Date()
    ) async throws -> PassCounts {
        try await writer.write { db in
            guard try StoreRecord.exists(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            var counts = PassCounts()
            let rules = upserts.isEmpty ? nil : try Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping)
            for order in upserts {
                counts.seen += 1
                switch try Self.upsert(db, storeId: storeId, order, rules: rules, now: now).change {
                case .inserted: counts.new += 1
                case .updated, .changedAfterClaim: counts.updated += 1
                case .unchanged, .terminal: break
                }
            }
            for cancellation in cancellations {
                counts.seen += 1
                switch try Self.cancel(db, storeId: storeId, cancellation, now: now) {
                case .cancelled, .flaggedWhileClaimed: counts.cancelled += 1
                case .unchanged, .unknownOrder: break
                }
            }
            if let watermark {
                try db.execute(
                    sql: """
                        INSERT INTO syncCursor (storeId, watermark, lastFullPassAt, updatedAt) VALUES (?, ?, ?, ?)
                        ON CONFLICT (storeId) DO UPDATE SET
                          watermark = excluded.watermark,
                          lastFullPassAt = coalesce(excluded.lastFullPassAt, syncCursor.lastFullPassAt),
                          updatedAt = excluded.updatedAt
                        """,
                    arguments: [storeId, watermark, kind == .full ? watermark : nil, now])
            }
            return counts
        }
    }

    /// The store's sync cursor; `nil` = never synced (the next pass is full).
    public func syncCursor(for storeId: Int64) async throws -> SyncCursorRecord? {
        try await writer.read { db in try SyncCursorRecord.fetchOne(db, key: storeId) }
    }

    /// Records a non-transition event in an order's history (an error the operator should see,
    /// the store status flipped on claim, ...). Transitions record their own events.
    public func recordOrderEvent(
        _ orderId: Int64, kind: OrderEventKind, actor: EventActor, detail: [String: String]? = nil, now: Date = Date()
    ) async throws {
        try await writer.write { db in
            _ = try Self.fetchOrder(db, orderId)
            try Self.appendEvent(db, orderId: orderId, kind: kind, from: nil, to: nil, actor: actor, detail: detail, at: now)
        }
    }

    // MARK: Reading

    /// One order by id.
    public func order(id: Int64) async throws -> FulfillmentOrderRecord? {
        try await writer.read { db in try FulfillmentOrderRecord.fetchOne(db, key: id) }
    }

    /// One order by its store and the store's order id.
    public func order(storeId: Int64, externalOrderId: String) async throws -> FulfillmentOrderRecord? {
        try await writer.read { db in
            try FulfillmentOrderRecord
                .filter(FulfillmentOrderRecord.Columns.storeId == storeId
                    && FulfillmentOrderRecord.Columns.externalOrderId == externalOrderId)
                .fetchOne(db)
        }
    }

    /// Orders for Review Order Status, newest first: optionally one store, one state, and only
    /// those changed at or after `since`.
    public func orders(
        store storeId: Int64? = nil, state: OrderState? = nil, since: Date? = nil, limit: Int = 100
    ) async throws -> [FulfillmentOrderRecord] {
        guard limit > 0 else { throw StorageError.invalidArgument("The limit must be positive (got \(limit)).") }
        return try await writer.read { db in
            typealias C = FulfillmentOrderRecord.Columns
            var request = FulfillmentOrderRecord.all()
            if let storeId { request = request.filter(C.storeId == storeId) }
            if let state { request = request.filter(C.state == state.rawValue) }
            if let since { request = request.filter(C.updatedAt >= since) }
            return try request.order(C.createdAt.desc, C.id.desc).limit(limit).fetchAll(db)
        }
    }

    /// An order's history, oldest first.
    public func events(forOrder orderId: Int64) async throws -> [OrderEventRecord] {
        try await writer.read { db in
            try OrderEventRecord
                .filter(OrderEventRecord.Columns.orderId == orderId)
                .order(OrderEventRecord.Columns.id)
                .fetchAll(db)
        }
    }

    // MARK: Transactions' building blocks

    /// - Parameter rules: the store's resolution rules; nil skips resolution. A new order that
    ///   does not resolve is inserted `held`; an update of a ready order that no longer resolves
    ///   holds it, and an update of an order held by resolution re-resolves it (released when
    ///   it now resolves). Operator holds are never lifted here.
    static func upsert(
        _ db: Database, storeId: Int64, _ order: ImportedOrder, rules: ResolutionRules? = nil, now: Date
    ) throws -> UpsertResult {
        let payload = try JSONText.encode(order.payload)
        // Cached statements: a backfill runs this for every order, and compiling the same SQL
        // (with GRDB's authorizer) each time was a fifth of the pass's CPU
        // (docs/performance-sync.md, "Profile").
        let existing = try FulfillmentOrderRecord.fetchOne(
            db.cachedStatement(sql: "SELECT * FROM fulfillmentOrder WHERE storeId = ? AND externalOrderId = ?"),
            arguments: [storeId, order.externalOrderID])
        let resolutionHold = rules.flatMap { SKUResolver.resolve(order.payload, rules: $0).holdReason }
        guard let existing else {
            let holdReason = order.holdReason ?? resolutionHold
            let state: OrderState = holdReason == nil ? .ready : .held
            try db.cachedStatement(sql: """
                INSERT INTO fulfillmentOrder
                  (storeId, externalOrderId, state, storeStatusId, dateModified, payload, holdReason, createdAt, updatedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [storeId, order.externalOrderID, state, order.storeStatusID, order.dateModified, payload,
                                         holdReason, now, now])
            let insertedId = db.lastInsertedRowID
            var detail = ["storeStatusId": String(order.storeStatusID)]
            detail["holdReason"] = holdReason
            try appendEvent(db, orderId: insertedId, kind: .imported, from: nil, to: state, actor: .sync,
                            detail: detail, at: now)
            return UpsertResult(orderId: insertedId, change: .inserted)
        }
        // Idempotence: only a strictly newer store modification time changes anything.
        guard order.dateModified.databaseText > existing.dateModified.databaseText else {
            return UpsertResult(orderId: existing.id, change: .unchanged)
        }
        let detail = ["storeStatusId": String(order.storeStatusID)]
        switch existing.state {
        case .ready, .held:
            // Back in the import status with a newer date_modified and no status change of ours
            // open: the store has moved on from any flip of ours, which stops being recognised.
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET payload = ?, storeStatusId = ?, dateModified = ?, updatedAt = ?,
                      flippedStoreStatusId = CASE
                        WHEN EXISTS (SELECT 1 FROM storeStatusChange c
                                     WHERE c.orderId = fulfillmentOrder.id AND c.state IN ('pending', 'sending'))
                        THEN flippedStoreStatusId ELSE NULL END
                    WHERE id = ?
                    """,
                arguments: [payload, order.storeStatusID, order.dateModified, now, existing.id])
            try appendEvent(db, orderId: existing.id, kind: .updated, from: nil, to: nil, actor: .sync,
                            detail: detail, at: now)
            if rules != nil {
                try applyResolution(db, existing, holdReason: resolutionHold, actor: .sync, now: now)
            }
            return UpsertResult(orderId: existing.id, change: .updated)
        case .claimed:
            // The worker keeps its claim; the flag tells it (and the operator) to look again.
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET payload = ?, storeStatusId = ?, dateModified = ?, changedAfterClaim = 1,
                      updatedAt = ? WHERE id = ?
                    """,
                arguments: [payload, order.storeStatusID, order.dateModified, now, existing.id])
            var flagged = detail
            flagged["claimedBy"] = existing.claimedBy
            try appendEvent(db, orderId: existing.id, kind: .changedAfterClaim, from: nil, to: nil, actor: .sync,
                            detail: flagged, at: now)
            return UpsertResult(orderId: existing.id, change: .changedAfterClaim)
        case .shipped, .cancelled:
            // Terminal here: keep what was shipped/cancelled, remember what the store says now.
            try db.execute(
                sql: "UPDATE fulfillmentOrder SET storeStatusId = ?, dateModified = ?, updatedAt = ? WHERE id = ?",
                arguments: [order.storeStatusID, order.dateModified, now, existing.id])
            return UpsertResult(orderId: existing.id, change: .terminal)
        }
    }

    static func cancel(_ db: Database, storeId: Int64, _ cancellation: StoreSideCancellation, now: Date) throws
        -> CancellationResult
    {
        typealias C = FulfillmentOrderRecord.Columns
        guard let existing = try FulfillmentOrderRecord
            .filter(C.storeId == storeId && C.externalOrderId == cancellation.externalOrderID)
            .fetchOne(db)
        else { return .unknownOrder }
        // Older news than what is stored changes nothing (a repeated or overlapping pass).
        guard cancellation.dateModified.databaseText >= existing.dateModified.databaseText else {
            return .unchanged(orderId: existing.id)
        }
        let detail = ["storeStatusId": String(cancellation.storeStatusID), "reason": cancellation.reason]
        switch existing.state {
        case .ready, .held:
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET state = 'cancelled', holdReason = NULL, storeStatusId = ?, dateModified = ?,
                      updatedAt = ? WHERE id = ?
                    """,
                arguments: [cancellation.storeStatusID, cancellation.dateModified, now, existing.id])
            try appendEvent(db, orderId: existing.id, kind: .cancelled, from: existing.state, to: .cancelled,
                            actor: .sync, detail: detail, at: now)
            return .cancelled(orderId: existing.id)
        case .claimed where !existing.cancelledInStore:
            try db.execute(
                sql: """
                    UPDATE fulfillmentOrder SET cancelledInStore = 1, storeStatusId = ?, dateModified = ?, updatedAt = ?
                    WHERE id = ?
                    """,
                arguments: [cancellation.storeStatusID, cancellation.dateModified, now, existing.id])
            var flagged = detail
            flagged["claimedBy"] = existing.claimedBy
            try appendEvent(db, orderId: existing.id, kind: .cancelledInStore, from: nil, to: nil, actor: .sync,
                            detail: flagged, at: now)
            return .flaggedWhileClaimed(orderId: existing.id)
        case .claimed, .shipped, .cancelled:
            return .unchanged(orderId: existing.id)
        }
    }

    /// Appends one history row; every transition calls it inside the transition's transaction.
    static func appendEvent(
        _ db: Database, orderId: Int64, kind: OrderEventKind, from: OrderState?, to: OrderState?,
        actor: EventActor, detail: [String: String]?, at: Date
    ) throws {
        try db.cachedStatement(sql: "INSERT INTO orderEvent (orderId, at, kind, fromState, toState, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [orderId, at, kind, from, to, actor, try detail.map { try JSONText.encode($0) }])
    }
}
