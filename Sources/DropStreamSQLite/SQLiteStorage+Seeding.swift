import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Bulk loading for benchmarks and load tests: a database that looks like years of operation
// without replaying years of syncing. The daemon never calls it.

extension SQLiteStorage {
    /// Loads `count` orders into one store as an order history: the first `shipped` of them
    /// `shipped`, the rest `ready`, all with the same `payload` and store status, external ids
    /// `firstExternalId`, `firstExternalId + 1`, ..., and the history rows a synced order would
    /// have (`imported`, plus `shipped` for the shipped ones; no shipment rows).
    ///
    /// One transaction per `batchSize` orders with cached statements, so a million orders load
    /// in seconds rather than the minutes one upsert per order would take. The schema's
    /// constraints still apply (a duplicate external id fails the batch). Nothing is resolved
    /// against SKU rules: the orders are history, not news.
    ///
    /// - Returns: the number of orders written.
    @discardableResult
    public func seedOrderHistory(
        storeId: Int64, count: Int, shipped: Int, payload: OrderPayload, storeStatusId: Int = 11,
        firstExternalId: Int = 1, now: Date = Date(), batchSize: Int = 10_000
    ) async throws -> Int {
        guard count >= 0, (0...count).contains(shipped), batchSize > 0 else {
            throw StorageError.invalidArgument("seedOrderHistory: count \(count), shipped \(shipped), batch \(batchSize)")
        }
        let payloadText = try JSONText.encode(payload)
        let detail = try JSONText.encode(["storeStatusId": String(storeStatusId)])
        var written = 0
        while written < count {
            let range = written..<min(count, written + batchSize)
            try await writer.write { db in
                guard try StoreRecord.exists(db, key: storeId) else { throw StorageError.storeNotFound("with id \(storeId)") }
                let insertOrder = try db.cachedStatement(sql: """
                    INSERT INTO fulfillmentOrder
                      (storeId, externalOrderId, state, storeStatusId, dateModified, payload, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertEvent = try db.cachedStatement(sql: """
                    INSERT INTO orderEvent (orderId, at, kind, fromState, toState, actor, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for n in range {
                    let state: OrderState = n < shipped ? .shipped : .ready
                    try insertOrder.execute(arguments: [
                        storeId, String(firstExternalId + n), state, storeStatusId, now, payloadText, now, now,
                    ])
                    let orderId = db.lastInsertedRowID
                    try insertEvent.execute(arguments: [orderId, now, OrderEventKind.imported, nil, OrderState.ready, EventActor.sync, detail])
                    if state == .shipped {
                        try insertEvent.execute(arguments: [orderId, now, OrderEventKind.shipped, OrderState.ready, OrderState.shipped, EventActor(rawValue: "worker:seed"), nil])
                    }
                }
            }
            written = range.upperBound
        }
        return written
    }
}
