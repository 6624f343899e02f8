import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

extension SQLiteStorage {
    /// Store counts by connection state, order counts by queue state, and order counts per store.
    public func statusSummary() async throws -> StatusSummary {
        try await writer.read { db in
            var stores = Dictionary(uniqueKeysWithValues: StoreState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM store GROUP BY state") {
                if let state = StoreState(rawValue: row["state"]) { stores[state] = row["n"] }
            }
            let zeroOrders = Dictionary(uniqueKeysWithValues: OrderState.allCases.map { ($0, 0) })
            var orders = zeroOrders
            var perStore: [Int64: [OrderState: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT storeId, state, COUNT(*) AS n FROM fulfillmentOrder GROUP BY storeId, state")
            {
                guard let state = OrderState(rawValue: row["state"]) else { continue }
                let n: Int = row["n"]
                orders[state, default: 0] += n
                perStore[row["storeId"], default: zeroOrders][state] = n
            }
            let storeCounts = try StoreRecord.order(StoreRecord.Columns.name).fetchAll(db).map {
                StatusSummary.StoreCounts(storeId: $0.id, name: $0.name, state: $0.state,
                                          orders: perStore[$0.id] ?? zeroOrders)
            }
            return StatusSummary(stores: stores, orders: orders, perStore: storeCounts)
        }
    }
}

extension SQLiteStorage {
    /// Store counts by state and order counts of the open states only, for the `STATUS=` line
    /// the daemon refreshes every `health.check_interval` and sends with READY=1.
    ///
    /// Unlike ``statusSummary()``, whose GROUP BY walks every order ever imported (a tenth of a
    /// second per million on this kind of machine), this reads only the open orders through the
    /// `(state, createdAt, id)` index: its cost does not grow with the shipped and cancelled
    /// history, so neither does the time to READY=1 nor the daemon's idle CPU.
    public func queueStatusCounts() async throws -> QueueStatusCounts {
        try await writer.read { db in
            var stores = Dictionary(uniqueKeysWithValues: StoreState.allCases.map { ($0, 0) })
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM store GROUP BY state") {
                if let state = StoreState(rawValue: row["state"]) { stores[state] = row["n"] }
            }
            let open: [OrderState] = [.ready, .claimed, .held]
            var orders = Dictionary(uniqueKeysWithValues: open.map { ($0, 0) })
            for row in try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM fulfillmentOrder WHERE state IN ('ready', 'claimed', 'held') GROUP BY state")
            {
                if let state = OrderState(rawValue: row["state"]) { orders[state] = row["n"] }
            }
            return QueueStatusCounts(stores: stores, openOrders: orders)
        }
    }
}

extension SQLiteStorage {
    /// How many orders are `shipped` and how many `cancelled`, for the `dropstream_orders` gauge.
    ///
    /// Unlike ``queueStatusCounts()`` this grows with the history (it counts entries of the
    /// `(state, createdAt, id)` index, nothing else), so the caller should not run it on every
    /// scrape: the daemon caches it (see `MetricsExposition.terminalCountsMaxAge`).
    public func terminalOrderCounts() async throws -> [OrderState: Int] {
        try await writer.read { db in
            var counts: [OrderState: Int] = [.shipped: 0, .cancelled: 0]
            for state in [OrderState.shipped, .cancelled] {
                counts[state] = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM fulfillmentOrder WHERE state = ?", arguments: [state.rawValue]) ?? 0
            }
            return counts
        }
    }
}
