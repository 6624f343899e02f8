import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// Counts for `dropstreamctl status`, the STATUS= line and /metrics.

extension PostgresStorage {
    public func statusSummary() async throws -> StatusSummary {
        try await read { db in
            let stores = try await Self.storeCounts(db)
            let zeroOrders = Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0, 0) })
            var orders = zeroOrders
            var perStore: [Int64: [OrderState: Int]] = [:]
            let rows = try await db.all(
                "SELECT storeId, state, count(*)::int8 AS n FROM fulfillmentOrder GROUP BY storeId, state"
            ) { r in (try r.column("storeId", as: Int64.self), try r.column("state", as: String.self), try r.column("n", as: Int.self)) }
            for (storeId, stateName, n) in rows {
                guard let state = OrderState(rawValue: stateName) else { continue }
                orders[state, default: 0] += n
                perStore[storeId, default: zeroOrders][state] = n
            }
            let storeCounts = try await db.all("SELECT * FROM store ORDER BY lower(name) COLLATE \"C\", id", Row.store).map {
                StatusSummary.StoreCounts(storeId: $0.id, name: $0.name, state: $0.state, orders: perStore[$0.id] ?? zeroOrders)
            }
            return StatusSummary(stores: stores, orders: orders, perStore: storeCounts)
        }
    }

    public func queueStatusCounts() async throws -> QueueStatusCounts {
        try await read { db in
            let stores = try await Self.storeCounts(db)
            var orders: [OrderState: Int] = [.ready: 0, .claimed: 0, .held: 0]
            let rows = try await db.all(
                """
                SELECT state, count(*)::int8 AS n FROM fulfillmentOrder
                WHERE state IN ('ready', 'claimed', 'held') GROUP BY state
                """
            ) { r in (try r.column("state", as: String.self), try r.column("n", as: Int.self)) }
            for (name, n) in rows { if let state = OrderState(rawValue: name) { orders[state] = n } }
            return QueueStatusCounts(stores: stores, openOrders: orders)
        }
    }

    public func terminalOrderCounts() async throws -> [OrderState: Int] {
        try await read { db in
            var counts: [OrderState: Int] = [.shipped: 0, .cancelled: 0]
            for state in [OrderState.shipped, .cancelled] {
                counts[state] = try await db.value(
                    "SELECT count(*)::int8 FROM fulfillmentOrder WHERE state = \(state.rawValue)", as: Int.self) ?? 0
            }
            return counts
        }
    }

    private static func storeCounts(_ db: PostgresConnection) async throws -> [StoreState: Int] {
        var stores = Dictionary(uniqueKeysWithValues: StoreState.allCases.map { ($0, 0) })
        let rows = try await db.all("SELECT state, count(*)::int8 AS n FROM store GROUP BY state") { r in
            (try r.column("state", as: String.self), try r.column("n", as: Int.self))
        }
        for (name, n) in rows { if let state = StoreState(rawValue: name) { stores[state] = n } }
        return stores
    }

    // MARK: Benchmarks

    public func seedOrderHistory(
        storeId: Int64, count: Int, shipped: Int, payload: OrderPayload, storeStatusId: Int, firstExternalId: Int,
        now: Date, batchSize: Int
    ) async throws -> Int {
        guard count >= 0, (0...count).contains(shipped), batchSize > 0 else {
            throw StorageError.invalidArgument("seedOrderHistory: count \(count), shipped \(shipped), batch \(batchSize)")
        }
        let payloadText = try JSONText.encode(payload)
        let detail = try JSONText.encode(["storeStatusId": String(storeStatusId)])
        var written = 0
        while written < count {
            let range = written..<min(count, written + batchSize)
            let shippedCount = max(0, min(shipped, range.upperBound) - range.lowerBound)
            try await write { db in
                guard try await Self.fetchStore(db, storeId) != nil else {
                    throw StorageError.storeNotFound("with id \(storeId)")
                }
                // Rows made server-side with generate_series; the events in a second and third
                // statement, so every order's `imported` comes before its `shipped`.
                let first = firstExternalId + range.lowerBound
                let last = firstExternalId + range.upperBound - 1
                let shippedBelow = firstExternalId + range.lowerBound + shippedCount
                let inserted = try await db.all(
                    """
                    INSERT INTO fulfillmentOrder
                      (storeId, externalOrderId, state, storeStatusId, dateModified, payload, createdAt, updatedAt)
                    SELECT \(storeId), n::text, CASE WHEN n < \(shippedBelow) THEN 'shipped' ELSE 'ready' END,
                           \(storeStatusId), \(now), \(payloadText), \(now), \(now)
                    FROM generate_series(\(first), \(last)) AS n ORDER BY n
                    RETURNING id, state
                    """
                ) { (try $0.column("id", as: Int64.self), try $0.column("state", as: String.self)) }
                let ids = inserted.map(\.0).sorted()
                let shippedIds = inserted.filter { $0.1 == OrderState.shipped.rawValue }.map(\.0).sorted()
                try await db.run(
                    """
                    INSERT INTO orderEvent (orderId, at, kind, fromState, toState, actor, detail)
                    SELECT id, \(now), 'imported', NULL, 'ready', 'sync', \(detail) FROM unnest(\(ids)) AS id ORDER BY id
                    """)
                try await db.run(
                    """
                    INSERT INTO orderEvent (orderId, at, kind, fromState, toState, actor, detail)
                    SELECT id, \(now), 'shipped', 'ready', 'shipped', 'worker:seed', NULL FROM unnest(\(shippedIds)) AS id
                    ORDER BY id
                    """)
            }
            written = range.upperBound
        }
        return written
    }
}
