import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// The claim flip's outbox (DESIGN §2 step 7): the SQLite engine's rules, in PostgreSQL.

extension PostgresStorage {
    public func storeStatusChangesDue(now: Date, limit: Int) async throws -> [StoreStatusChangeRecord] {
        try await read { db in
            try await db.all(
                """
                SELECT * FROM storeStatusChange
                WHERE state = 'sending' OR (state = 'pending' AND (nextAttemptAt IS NULL OR nextAttemptAt <= \(now)))
                ORDER BY id LIMIT \(limit)
                """, Row.storeStatusChange)
        }
    }

    public func storeStatusChanges(forOrder orderId: Int64) async throws -> [StoreStatusChangeRecord] {
        try await read { db in
            try await db.all("SELECT * FROM storeStatusChange WHERE orderId = \(orderId) ORDER BY id", Row.storeStatusChange)
        }
    }

    public func beginStoreStatusChange(_ changeId: Int64, now: Date) async throws -> StoreStatusChangeWork? {
        try await write { db in
            guard let change = try await Self.fetchStatusChange(db, changeId) else {
                throw StorageError.invalidArgument("No store status change with id \(changeId).")
            }
            guard change.state == .pending || change.state == .sending else { return nil }
            // Lock the order first, as every transition does, then the change.
            let order = try await Self.fetchOrder(db, change.orderId, forUpdate: true)
            guard let change = try await Self.fetchStatusChange(db, changeId, forUpdate: true),
                  change.state == .pending || change.state == .sending
            else { return nil }
            guard let store = try await Self.fetchStore(db, order.storeId) else {
                throw StorageError.storeNotFound("with id \(order.storeId)")
            }
            var moot: String?
            switch change.purpose {
            case .claim:
                if order.state != .claimed {
                    moot = "the order is \(order.state.rawValue) now"
                } else if try await db.value("SELECT 1 FROM shipment WHERE orderId = \(order.id) LIMIT 1", as: Int.self) != nil {
                    moot = "a shipment was confirmed"
                } else if store.claimStatusId != change.targetStatusId {
                    moot = store.claimStatusId == nil
                        ? "the store's claim status was turned off" : "the store's claim status changed"
                }
            case .restore:
                if order.state != .ready && order.state != .held { moot = "the order is \(order.state.rawValue) now" }
            }
            if let moot {
                try await db.run(
                    """
                    UPDATE storeStatusChange SET state = 'superseded', note = \(moot), nextAttemptAt = NULL,
                      updatedAt = \(now) WHERE id = \(changeId)
                    """)
                return nil
            }
            let sending = try await db.one(
                """
                UPDATE storeStatusChange SET state = 'sending', attempts = attempts + 1, updatedAt = \(now)
                WHERE id = \(changeId) RETURNING *
                """, Row.storeStatusChange)!
            var current = order
            if change.purpose == .claim {
                try await db.run(
                    "UPDATE fulfillmentOrder SET flippedStoreStatusId = \(change.targetStatusId) WHERE id = \(order.id)")
                current.flippedStoreStatusId = change.targetStatusId
            }
            return StoreStatusChangeWork(change: sending, order: current, store: store)
        }
    }

    public func isStoreStatusChangeSending(_ changeId: Int64) async throws -> Bool {
        try await read { db in try await Self.fetchStatusChange(db, changeId)?.state == .sending }
    }

    public func finishStoreStatusChange(
        _ changeId: Int64, _ result: StoreStatusChangeResult, detail: [String: String], now: Date
    ) async throws -> StoreStatusChangeRecord {
        try await write { db in
            guard let unlocked = try await Self.fetchStatusChange(db, changeId) else {
                throw StorageError.invalidArgument("No store status change with id \(changeId).")
            }
            _ = try await Self.fetchOrder(db, unlocked.orderId, forUpdate: true)
            let change = try await Self.fetchStatusChange(db, changeId, forUpdate: true)!
            let open = change.state == .pending || change.state == .sending
            var eventDetail = detail
            eventDetail["changeId"] = String(changeId)
            eventDetail["purpose"] = change.purpose.rawValue
            eventDetail["statusId"] = String(change.targetStatusId)
            switch result {
            case .done(let requestSent):
                if open {
                    try await db.run(
                        """
                        UPDATE storeStatusChange SET state = 'done', note = NULL, nextAttemptAt = NULL, updatedAt = \(now)
                        WHERE id = \(changeId)
                        """)
                }
                if open || requestSent {
                    eventDetail["requestSent"] = String(requestSent)
                    try await Self.appendEvent(
                        db, orderId: change.orderId, kind: change.purpose == .claim ? .storeStatusSet : .storeStatusRestored,
                        from: nil, to: nil, actor: .pusher, detail: eventDetail, at: now)
                }
            case .skipped(let storeStatusId):
                guard open else { break }
                let note = "the store showed status \(storeStatusId), not \(change.expectedStatusId); left alone"
                try await db.run(
                    """
                    UPDATE storeStatusChange SET state = 'skipped', note = \(note), nextAttemptAt = NULL, updatedAt = \(now)
                    WHERE id = \(changeId)
                    """)
                // Whatever the store shows now is not our doing.
                try await db.run("UPDATE fulfillmentOrder SET flippedStoreStatusId = NULL WHERE id = \(change.orderId)")
                eventDetail["storeStatusId"] = String(storeStatusId)
                try await Self.appendEvent(
                    db, orderId: change.orderId, kind: .storeStatusLeftAlone, from: nil, to: nil, actor: .pusher,
                    detail: eventDetail, at: now)
            case .retry(let error, let at):
                guard open else { break }
                try await db.run(
                    """
                    UPDATE storeStatusChange SET state = 'pending', note = \(error), nextAttemptAt = \(at), updatedAt = \(now)
                    WHERE id = \(changeId)
                    """)
            case .failed(let error):
                guard open else { break }
                try await db.run(
                    """
                    UPDATE storeStatusChange SET state = 'failed', note = \(error), nextAttemptAt = NULL, updatedAt = \(now)
                    WHERE id = \(changeId)
                    """)
                eventDetail["error"] = error
                try await Self.appendEvent(
                    db, orderId: change.orderId, kind: .storeStatusFailed, from: nil, to: nil, actor: .pusher,
                    detail: eventDetail, at: now)
            }
            return try await Self.fetchStatusChange(db, changeId)!
        }
    }

    // MARK: Building blocks for the transitions' transactions

    static func fetchStatusChange(_ db: PostgresConnection, _ id: Int64, forUpdate: Bool = false) async throws
        -> StoreStatusChangeRecord?
    {
        forUpdate
            ? try await db.one("SELECT * FROM storeStatusChange WHERE id = \(id) FOR UPDATE", Row.storeStatusChange)
            : try await db.one("SELECT * FROM storeStatusChange WHERE id = \(id)", Row.storeStatusChange)
    }

    /// See the SQLite engine's `queueClaimFlips`.
    static func queueClaimFlips(_ db: PostgresConnection, orderIds: [Int64], now: Date) async throws {
        guard !orderIds.isEmpty else { return }
        try await db.run(
            """
            UPDATE storeStatusChange SET state = 'superseded', note = 'the order was claimed again', nextAttemptAt = NULL,
              updatedAt = \(now)
            WHERE state IN ('pending', 'sending') AND orderId = ANY(\(orderIds))
            """)
        try await db.run(
            """
            INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
            SELECT o.id, 'claim', s.importStatusId, s.claimStatusId, 'pending', \(now), \(now)
            FROM fulfillmentOrder o JOIN store s ON s.id = o.storeId
            WHERE o.id = ANY(\(orderIds)) AND s.claimStatusId IS NOT NULL AND s.claimStatusId <> s.importStatusId
            ORDER BY o.id
            """)
    }

    static func supersedeStatusChangesForShipment(_ db: PostgresConnection, orderId: Int64, now: Date) async throws {
        try await db.run(
            """
            UPDATE storeStatusChange SET state = 'superseded', note = 'a shipment was confirmed', nextAttemptAt = NULL,
              updatedAt = \(now)
            WHERE orderId = \(orderId) AND state IN ('pending', 'sending')
            """)
    }

    /// See the SQLite engine's `statusChangesAfterClaimEnded`.
    static func statusChangesAfterClaimEnded(
        _ db: PostgresConnection, _ order: FulfillmentOrderRecord, to state: OrderState, now: Date
    ) async throws {
        try await db.run(
            """
            UPDATE storeStatusChange SET state = 'superseded', note = \("the claim ended (\(state.rawValue))"),
              nextAttemptAt = NULL, updatedAt = \(now)
            WHERE orderId = \(order.id) AND state IN ('pending', 'sending')
            """)
        guard state == .ready || state == .held, let flipped = order.flippedStoreStatusId,
              let store = try await fetchStore(db, order.storeId), flipped != store.importStatusId
        else { return }
        try await db.run(
            """
            INSERT INTO storeStatusChange (orderId, purpose, expectedStatusId, targetStatusId, state, createdAt, updatedAt)
            VALUES (\(order.id), 'restore', \(flipped), \(store.importStatusId), 'pending', \(now), \(now))
            """)
    }
}
