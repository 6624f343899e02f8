import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// SKU rules, shipping rules and the catalog (DESIGN §2 flow 5). Text sorts with COLLATE "C"
// (byte order), as SQLite sorts, whatever locale the database was created with.

extension PostgresStorage {
    public func setSKURule(storeId: Int64, storeSKU: String, _ target: SKURuleTarget, now: Date) async throws
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
        return try await write { [warehouseSKU, quantity, components] db in
            try await db.one(
                """
                INSERT INTO skuRule (storeId, storeSku, kind, warehouseSku, quantity, components, updatedAt)
                VALUES (\(storeId), \(storeSKU), \(kind.rawValue), \(warehouseSKU), \(quantity), \(components), \(now))
                ON CONFLICT (storeId, storeSku) DO UPDATE SET kind = excluded.kind,
                  warehouseSku = excluded.warehouseSku, quantity = excluded.quantity,
                  components = excluded.components, updatedAt = excluded.updatedAt
                RETURNING *
                """, Row.skuRule)!
        }
    }

    public func skuRules(storeId: Int64) async throws -> [SKURuleRecord] {
        try await read { db in
            try await db.all(
                "SELECT * FROM skuRule WHERE storeId = \(storeId) ORDER BY storeSku COLLATE \"C\"", Row.skuRule)
        }
    }

    public func removeSKURule(storeId: Int64, storeSKU: String) async throws -> Bool {
        try await write { db in
            try await db.run(
                "DELETE FROM skuRule WHERE storeId = \(storeId) AND storeSku = \(storeSKU) RETURNING id") > 0
        }
    }

    public func setShippingRule(storeId: Int64, storeMethod: String, serviceCode: String, now: Date) async throws
        -> ShippingRuleRecord
    {
        try await write { db in
            try await db.one(
                """
                INSERT INTO shippingRule (storeId, storeMethod, serviceCode, updatedAt)
                VALUES (\(storeId), \(storeMethod), \(serviceCode), \(now))
                ON CONFLICT (storeId, lower(storeMethod)) DO UPDATE SET serviceCode = excluded.serviceCode,
                  updatedAt = excluded.updatedAt
                RETURNING *
                """, Row.shippingRule)!
        }
    }

    public func shippingRules(storeId: Int64) async throws -> [ShippingRuleRecord] {
        try await read { db in
            try await db.all(
                "SELECT * FROM shippingRule WHERE storeId = \(storeId) ORDER BY lower(storeMethod) COLLATE \"C\"",
                Row.shippingRule)
        }
    }

    public func removeShippingRule(storeId: Int64, storeMethod: String) async throws -> Bool {
        try await write { db in
            try await db.run(
                """
                DELETE FROM shippingRule WHERE storeId = \(storeId) AND lower(storeMethod) = lower(\(storeMethod))
                RETURNING id
                """) > 0
        }
    }

    public func replaceCatalog(_ items: [CatalogItemRecord]) async throws -> Int {
        try await write { db in
            try await db.run("DELETE FROM catalogItem")
            for item in items {
                try await db.run(
                    """
                    INSERT INTO catalogItem (warehouseSku, name, importedAt)
                    VALUES (\(item.warehouseSku), \(item.name), \(item.importedAt))
                    ON CONFLICT (warehouseSku) DO UPDATE SET name = excluded.name, importedAt = excluded.importedAt
                    """)
            }
            return try await db.value("SELECT count(*)::int8 FROM catalogItem", as: Int.self) ?? 0
        }
    }

    public func catalogSKUs() async throws -> Set<String> {
        try await read { db in
            Set(try await db.all("SELECT warehouseSku FROM catalogItem") { try $0.column("warehouseSku", as: String.self) })
        }
    }
}
