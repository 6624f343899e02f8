import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Configure SKUs and shipping methods, and the warehouse catalog (DESIGN §2 flow 5, issue 6).
// The resolution itself is pure logic for DropStreamCore; this file only stores the rules.

extension SQLiteStorage {
    /// Sets (replaces) the rule for one store SKU.
    @discardableResult
    public func setSKURule(storeId: Int64, storeSKU: String, _ target: SKURuleTarget, now: Date = Date()) async throws
        -> SKURuleRecord
    {
        let kind: SKURuleKind
        var warehouseSKU: String?
        var quantity = 1
        var components: String?
        switch target {
        case let .map(sku, multiplier):
            guard multiplier > 0 else { throw StorageError.invalidArgument("The quantity must be positive.") }
            (kind, warehouseSKU, quantity) = (.map, sku, multiplier)
        case let .kit(parts):
            guard !parts.isEmpty, parts.allSatisfy({ $0.quantity > 0 && !$0.warehouseSKU.isEmpty }) else {
                throw StorageError.invalidArgument("A kit needs components with positive quantities.")
            }
            (kind, components) = (.kit, try JSONText.encode(parts))
        case .ignore:
            kind = .ignore
        }
        return try await writer.write { [warehouseSKU, quantity, components] db in
            try SKURuleRecord.fetchOne(
                db,
                sql: """
                    INSERT INTO skuRule (storeId, storeSku, kind, warehouseSku, quantity, components, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (storeId, storeSku) DO UPDATE SET kind = excluded.kind,
                      warehouseSku = excluded.warehouseSku, quantity = excluded.quantity,
                      components = excluded.components, updatedAt = excluded.updatedAt
                    RETURNING *
                    """,
                arguments: [storeId, storeSKU, kind, warehouseSKU, quantity, components, now])!
        }
    }

    /// A store's SKU rules, by store SKU.
    public func skuRules(storeId: Int64) async throws -> [SKURuleRecord] {
        try await writer.read { db in
            try SKURuleRecord.filter(SKURuleRecord.Columns.storeId == storeId).order(SKURuleRecord.Columns.storeSku).fetchAll(db)
        }
    }

    /// Removes a store SKU's rule. Returns whether there was one.
    @discardableResult
    public func removeSKURule(storeId: Int64, storeSKU: String) async throws -> Bool {
        try await writer.write { db in
            try SKURuleRecord
                .filter(SKURuleRecord.Columns.storeId == storeId && SKURuleRecord.Columns.storeSku == storeSKU)
                .deleteAll(db) > 0
        }
    }

    /// Maps a store shipping method (case-insensitive) to a warehouse service code.
    @discardableResult
    public func setShippingRule(storeId: Int64, storeMethod: String, serviceCode: String, now: Date = Date()) async throws
        -> ShippingRuleRecord
    {
        try await writer.write { db in
            try ShippingRuleRecord.fetchOne(
                db,
                sql: """
                    INSERT INTO shippingRule (storeId, storeMethod, serviceCode, updatedAt) VALUES (?, ?, ?, ?)
                    ON CONFLICT (storeId, storeMethod) DO UPDATE SET serviceCode = excluded.serviceCode,
                      updatedAt = excluded.updatedAt
                    RETURNING *
                    """,
                arguments: [storeId, storeMethod, serviceCode, now])!
        }
    }

    /// A store's shipping-method rules, by method.
    public func shippingRules(storeId: Int64) async throws -> [ShippingRuleRecord] {
        try await writer.read { db in
            try ShippingRuleRecord.filter(ShippingRuleRecord.Columns.storeId == storeId)
                .order(ShippingRuleRecord.Columns.storeMethod).fetchAll(db)
        }
    }

    /// Removes a shipping-method rule. Returns whether there was one.
    @discardableResult
    public func removeShippingRule(storeId: Int64, storeMethod: String) async throws -> Bool {
        try await writer.write { db in
            try ShippingRuleRecord
                .filter(ShippingRuleRecord.Columns.storeId == storeId && ShippingRuleRecord.Columns.storeMethod == storeMethod)
                .deleteAll(db) > 0
        }
    }

    /// Replaces the whole warehouse catalog in one transaction. Returns the number of items.
    @discardableResult
    public func replaceCatalog(_ items: [CatalogItemRecord]) async throws -> Int {
        try await writer.write { db in
            try CatalogItemRecord.deleteAll(db)
            for item in items { try item.upsert(db) }
            return try CatalogItemRecord.fetchCount(db)
        }
    }

    /// The warehouse catalog's SKUs (empty when no catalog is loaded: then nothing is held for SKUs).
    public func catalogSKUs() async throws -> Set<String> {
        try await writer.read { db in try String.fetchSet(db, sql: "SELECT warehouseSku FROM catalogItem") }
    }
}
