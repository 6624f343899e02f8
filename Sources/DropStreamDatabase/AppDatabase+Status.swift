import DropStreamCore
import Foundation
import GRDB

/// Counts for `dropstreamctl status` and the daemon's `STATUS=` line. Every state is present,
/// zero when there is none.
public struct StatusSummary: Sendable, Hashable {
    /// Per-store order counts.
    public struct StoreCounts: Sendable, Hashable {
        public var storeId: Int64
        public var name: String
        public var state: StoreState
        public var orders: [OrderState: Int]
    }
    public var stores: [StoreState: Int]
    public var orders: [OrderState: Int]
    /// One entry per store, by name.
    public var perStore: [StoreCounts]
}

extension AppDatabase {
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
