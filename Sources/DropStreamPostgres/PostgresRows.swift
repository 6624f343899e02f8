import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import PostgresNIO

// Rows to records. Columns are read by name; PostgreSQL folds the schema's unquoted camelCase
// identifiers to lower case, so `column("storeId")` reads `storeid`.

/// PostgresNIO logs every query at debug level; the daemon's own log says what matters.
let silentLogger = Logger(label: "dropstream.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })

extension PostgresRandomAccessRow {
    func column<T: PostgresDecodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try self[name.lowercased()].decode(T.self)
    }

    func raw<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let text = try column(name, as: String.self)
        guard let value = T(rawValue: text) else {
            throw StorageError.invalidArgument("The database holds an unknown \(T.self) \"\(text)\" in \(name).")
        }
        return value
    }

    func optionalRaw<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) throws -> T?
    where T.RawValue == String {
        guard let text = try column(name, as: String?.self) else { return nil }
        guard let value = T(rawValue: text) else {
            throw StorageError.invalidArgument("The database holds an unknown \(T.self) \"\(text)\" in \(name).")
        }
        return value
    }

    func json<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try column(name, as: String.self).utf8))
    }

    func optionalJSON<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T? {
        guard let text = try column(name, as: String?.self) else { return nil }
        return try JSONDecoder().decode(T.self, from: Data(text.utf8))
    }
}

/// JSON text as the schema's JSON columns store it: sorted keys, the same bytes the SQLite
/// engine writes, so the copy between engines compares byte for byte.
enum JSONText {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func encode<T: Encodable>(_ value: T?) throws -> String? {
        try value.map { try encode($0) }
    }
}

extension PostgresConnection {
    /// Runs a statement, discarding rows; returns the number of rows it touched.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> Int {
        let rows = try await self.query(query, logger: silentLogger)
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    /// Every row, decoded.
    func all<T>(_ query: PostgresQuery, _ decode: (PostgresRandomAccessRow) throws -> T) async throws -> [T] {
        var result: [T] = []
        for try await row in try await self.query(query, logger: silentLogger) {
            result.append(try decode(row.makeRandomAccess()))
        }
        return result
    }

    /// The first row, decoded, or nil.
    func one<T>(_ query: PostgresQuery, _ decode: (PostgresRandomAccessRow) throws -> T) async throws -> T? {
        try await all(query, decode).first
    }

    /// The single value of a one-column query (a count, an id).
    func value<T: PostgresDecodable>(_ query: PostgresQuery, as type: T.Type = T.self) async throws -> T? {
        try await one(query) { try $0[0].decode(T.self) }
    }
}

// MARK: Records

enum Row {
    static func store(_ r: PostgresRandomAccessRow) throws -> StoreRecord {
        StoreRecord(
            id: try r.column("id"), name: try r.column("name"), platform: try r.raw("platform"),
            storeHash: try r.column("storeHash"), state: try r.raw("state"), importStatusId: try r.column("importStatusId"),
            claimStatusId: try r.column("claimStatusId"), pollIntervalSeconds: try r.column("pollIntervalSeconds"),
            createdAt: try r.column("createdAt"), updatedAt: try r.column("updatedAt"))
    }

    static func credential(_ r: PostgresRandomAccessRow) throws -> CredentialRecord {
        CredentialRecord(
            storeId: try r.column("storeId"), ciphertext: try r.column("ciphertext"), nonce: try r.column("nonce"),
            keyId: try r.column("keyId"), createdAt: try r.column("createdAt"))
    }

    static func syncCursor(_ r: PostgresRandomAccessRow) throws -> SyncCursorRecord {
        SyncCursorRecord(
            storeId: try r.column("storeId"), watermark: try r.column("watermark"),
            lastFullPassAt: try r.column("lastFullPassAt"), updatedAt: try r.column("updatedAt"))
    }

    static func order(_ r: PostgresRandomAccessRow) throws -> FulfillmentOrderRecord {
        FulfillmentOrderRecord(
            id: try r.column("id"), storeId: try r.column("storeId"), externalOrderId: try r.column("externalOrderId"),
            state: try r.raw("state"), storeStatusId: try r.column("storeStatusId"),
            dateModified: try r.column("dateModified"), payload: try r.json("payload"),
            changedAfterClaim: try r.column("changedAfterClaim"), cancelledInStore: try r.column("cancelledInStore"),
            holdReason: try r.column("holdReason"), claimedBy: try r.column("claimedBy"),
            claimedAt: try r.column("claimedAt"), leaseExpiresAt: try r.column("leaseExpiresAt"),
            flippedStoreStatusId: try r.column("flippedStoreStatusId"), createdAt: try r.column("createdAt"),
            updatedAt: try r.column("updatedAt"))
    }

    static func storeStatusChange(_ r: PostgresRandomAccessRow) throws -> StoreStatusChangeRecord {
        StoreStatusChangeRecord(
            id: try r.column("id"), orderId: try r.column("orderId"), purpose: try r.raw("purpose"),
            expectedStatusId: try r.column("expectedStatusId"), targetStatusId: try r.column("targetStatusId"),
            state: try r.raw("state"), attempts: try r.column("attempts"), nextAttemptAt: try r.column("nextAttemptAt"),
            note: try r.column("note"), createdAt: try r.column("createdAt"), updatedAt: try r.column("updatedAt"))
    }

    static func storeEvent(_ r: PostgresRandomAccessRow) throws -> StoreEventRecord {
        StoreEventRecord(
            id: try r.column("id"), storeId: try r.column("storeId"), at: try r.column("at"), kind: try r.column("kind"),
            actor: try r.column("actor"), detail: try r.optionalJSON("detail"))
    }

    static func orderEvent(_ r: PostgresRandomAccessRow) throws -> OrderEventRecord {
        OrderEventRecord(
            id: try r.column("id"), orderId: try r.column("orderId"), at: try r.column("at"), kind: try r.raw("kind"),
            fromState: try r.optionalRaw("fromState"), toState: try r.optionalRaw("toState"), actor: try r.raw("actor"),
            detail: try r.optionalJSON("detail"))
    }

    static func skuRule(_ r: PostgresRandomAccessRow) throws -> SKURuleRecord {
        SKURuleRecord(
            id: try r.column("id"), storeId: try r.column("storeId"), storeSku: try r.column("storeSku"),
            kind: try r.raw("kind"), warehouseSku: try r.column("warehouseSku"), quantity: try r.column("quantity"),
            components: try r.optionalJSON("components"), updatedAt: try r.column("updatedAt"))
    }

    static func shippingRule(_ r: PostgresRandomAccessRow) throws -> ShippingRuleRecord {
        ShippingRuleRecord(
            id: try r.column("id"), storeId: try r.column("storeId"), storeMethod: try r.column("storeMethod"),
            serviceCode: try r.column("serviceCode"), updatedAt: try r.column("updatedAt"))
    }

    static func catalogItem(_ r: PostgresRandomAccessRow) throws -> CatalogItemRecord {
        CatalogItemRecord(
            warehouseSku: try r.column("warehouseSku"), name: try r.column("name"), importedAt: try r.column("importedAt"))
    }

    static func shipment(_ r: PostgresRandomAccessRow) throws -> ShipmentRecord {
        ShipmentRecord(
            id: try r.column("id"), orderId: try r.column("orderId"), idempotencyKey: try r.column("idempotencyKey"),
            state: try r.raw("state"), trackingNumber: try r.column("trackingNumber"), carrier: try r.column("carrier"),
            shippingMethod: try r.column("shippingMethod"), items: try r.json("items"), attempts: try r.column("attempts"),
            nextAttemptAt: try r.column("nextAttemptAt"), externalShipmentId: try r.column("externalShipmentId"),
            lastError: try r.column("lastError"), createdAt: try r.column("createdAt"), updatedAt: try r.column("updatedAt"))
    }

    static func syncRun(_ r: PostgresRandomAccessRow) throws -> SyncRunRecord {
        SyncRunRecord(
            id: try r.column("id"), storeId: try r.column("storeId"), kind: try r.raw("kind"),
            startedAt: try r.column("startedAt"), finishedAt: try r.column("finishedAt"), outcome: try r.raw("outcome"),
            ordersSeen: try r.column("ordersSeen"), ordersNew: try r.column("ordersNew"),
            ordersUpdated: try r.column("ordersUpdated"), ordersCancelled: try r.column("ordersCancelled"),
            requestsUsed: try r.column("requestsUsed"), quotaLeft: try r.column("quotaLeft"), error: try r.column("error"))
    }
}

extension Date {
    /// Milliseconds since 1970: how the SQLite engine compares stored dates (millisecond text),
    /// so both engines agree on what "newer" means.
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded(.down)) }

    /// `self + duration`.
    func adding(_ duration: Duration) -> Date {
        let (seconds, attoseconds) = duration.components
        return addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
    }
}
