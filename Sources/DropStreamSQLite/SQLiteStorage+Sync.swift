import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Read-side helpers the sync engine needs (DESIGN §5): what the queue already knows about the
// orders a listing page returned, and which open orders a full reconcile did not see.

extension SQLiteStorage {
    /// The queue's view of the given store orders, keyed by external order id; orders never
    /// imported are absent.
    public func knownOrders(storeId: Int64, externalOrderIds: [String]) async throws -> [String: KnownOrder] {
        guard !externalOrderIds.isEmpty else { return [:] }
        return try await writer.read { db in
            typealias C = FulfillmentOrderRecord.Columns
            var known: [String: KnownOrder] = [:]
            // SQLite limits host parameters; pages are at most 250 ids, chunk anyway.
            for chunk in stride(from: 0, to: externalOrderIds.count, by: 500).map({ Array(externalOrderIds[$0..<min($0 + 500, externalOrderIds.count)]) }) {
                let rows = try Row.fetchAll(
                    db,
                    FulfillmentOrderRecord
                        .select(C.id, C.externalOrderId, C.state, C.storeStatusId, C.dateModified, C.flippedStoreStatusId)
                        .filter(C.storeId == storeId && chunk.contains(C.externalOrderId)))
                for row in rows {
                    let external: String = row[C.externalOrderId.name]
                    guard let state = OrderState(rawValue: row[C.state.name]) else { continue }
                    known[external] = KnownOrder(
                        orderId: row[C.id.name], externalOrderId: external, state: state,
                        storeStatusId: row[C.storeStatusId.name], dateModified: row[C.dateModified.name],
                        flippedStoreStatusId: row[C.flippedStoreStatusId.name])
                }
            }
            return known
        }
    }

    /// External ids of the store's orders that wait in the queue (`ready` or `held`): a full
    /// reconcile checks those it did not see in the import-status listing.
    public func openExternalOrderIds(storeId: Int64) async throws -> Set<String> {
        try await writer.read { db in
            Set(try String.fetchAll(
                db, sql: "SELECT externalOrderId FROM fulfillmentOrder WHERE storeId = ? AND state IN ('ready', 'held')",
                arguments: [storeId]))
        }
    }
}
