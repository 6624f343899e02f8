import Foundation

// Moving an installation from one engine to another (DESIGN §10): an offline copy of every
// table, then counts and a checksum per table read back from both sides. The seam describes
// the tables and their values; each engine reads and writes them with its own SQL.

/// A value as the copy carries and compares it, whatever the engine stores: booleans as 0/1,
/// dates as milliseconds since 1970 (the SQLite engine's precision).
public enum CopyValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case text(String)
    case blob(Data)
    case date(milliseconds: Int64)
}

/// How a column's values are read and compared.
public enum CopyColumnKind: Sendable, Hashable {
    case integer, boolean, text, blob, date
}

/// One table of the copy: its columns in a fixed order, the first being its key.
public struct CopyTable: Sendable, Hashable {
    public var name: String
    public var columns: [String]
    public var kinds: [CopyColumnKind]
    /// Whether the key is an identity (`id`) whose sequence must continue after the copied rows.
    public var hasIdentity: Bool
    public var key: String { columns[0] }

    init(_ name: String, identity: Bool = true, _ columns: KeyValuePairs<String, CopyColumnKind>) {
        self.name = name
        self.columns = columns.map(\.key)
        self.kinds = columns.map(\.value)
        self.hasIdentity = identity
    }
}

public enum StorageCopyPlan {
    /// Every table with data, parents before children (foreign keys). `healthProbe` is the
    /// watchdog's scratch row and is not copied.
    public static let tables: [CopyTable] = [
        CopyTable("store", [
            "id": .integer, "name": .text, "platform": .text, "storeHash": .text, "state": .text,
            "importStatusId": .integer, "claimStatusId": .integer, "pollIntervalSeconds": .integer,
            "createdAt": .date, "updatedAt": .date,
        ]),
        CopyTable("credential", identity: false, [
            "storeId": .integer, "ciphertext": .blob, "nonce": .blob, "keyId": .text, "createdAt": .date,
        ]),
        CopyTable("syncCursor", identity: false, [
            "storeId": .integer, "watermark": .date, "lastFullPassAt": .date, "updatedAt": .date,
        ]),
        CopyTable("fulfillmentOrder", [
            "id": .integer, "storeId": .integer, "externalOrderId": .text, "state": .text, "storeStatusId": .integer,
            "dateModified": .date, "payload": .text, "changedAfterClaim": .boolean, "cancelledInStore": .boolean,
            "holdReason": .text, "claimedBy": .text, "claimedAt": .date, "leaseExpiresAt": .date,
            "flippedStoreStatusId": .integer, "createdAt": .date, "updatedAt": .date,
        ]),
        CopyTable("orderEvent", [
            "id": .integer, "orderId": .integer, "at": .date, "kind": .text, "fromState": .text, "toState": .text,
            "actor": .text, "detail": .text,
        ]),
        CopyTable("storeEvent", [
            "id": .integer, "storeId": .integer, "at": .date, "kind": .text, "actor": .text, "detail": .text,
        ]),
        CopyTable("skuRule", [
            "id": .integer, "storeId": .integer, "storeSku": .text, "kind": .text, "warehouseSku": .text,
            "quantity": .integer, "components": .text, "updatedAt": .date,
        ]),
        CopyTable("shippingRule", [
            "id": .integer, "storeId": .integer, "storeMethod": .text, "serviceCode": .text, "updatedAt": .date,
        ]),
        CopyTable("catalogItem", identity: false, [
            "warehouseSku": .text, "name": .text, "importedAt": .date,
        ]),
        CopyTable("shipment", [
            "id": .integer, "orderId": .integer, "idempotencyKey": .text, "state": .text, "trackingNumber": .text,
            "carrier": .text, "shippingMethod": .text, "items": .text, "attempts": .integer, "nextAttemptAt": .date,
            "externalShipmentId": .text, "lastError": .text, "createdAt": .date, "updatedAt": .date,
        ]),
        CopyTable("syncRun", [
            "id": .integer, "storeId": .integer, "kind": .text, "startedAt": .date, "finishedAt": .date,
            "outcome": .text, "ordersSeen": .integer, "ordersNew": .integer, "ordersUpdated": .integer,
            "ordersCancelled": .integer, "requestsUsed": .integer, "quotaLeft": .integer, "error": .text,
        ]),
        CopyTable("storeStatusChange", [
            "id": .integer, "orderId": .integer, "purpose": .text, "expectedStatusId": .integer,
            "targetStatusId": .integer, "state": .text, "attempts": .integer, "nextAttemptAt": .date, "note": .text,
            "createdAt": .date, "updatedAt": .date,
        ]),
    ]
}

/// An engine the copy can read: rows in key order (keys compare bytewise), a page at a time.
public protocol StorageCopySource: Sendable {
    /// Up to `limit` rows of `table` whose key is greater than `after` (all when nil), in key
    /// order, each with `table.columns` in order.
    func copyRows(of table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]]
}
