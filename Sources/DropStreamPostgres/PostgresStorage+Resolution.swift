import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// SKU resolution against the rules and the catalog (DESIGN §2 flow 5), as the SQLite engine does it.

extension PostgresStorage {
    public func resolutionRules(storeId: Int64, unmappedShipping: UnmappedShippingPolicy) async throws
        -> ResolutionRules
    {
        try await read { db in try await Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping) }
    }

    public func reevaluateHeldOrders(
        storeId: Int64?, unmappedShipping: UnmappedShippingPolicy, actor: EventActor, now: Date
    ) async throws -> ReevaluationResult {
        try await write { db in
            let held = try await db.all(
                """
                SELECT * FROM fulfillmentOrder
                WHERE state = 'held' AND holdReason LIKE \(SKUResolution.holdReasonPrefix + "%")
                  AND (\(storeId)::int8 IS NULL OR storeId = \(storeId))
                ORDER BY id FOR UPDATE
                """, Row.order)
            var rulesByStore: [Int64: ResolutionRules] = [:]
            var result = ReevaluationResult()
            for order in held where SKUResolution.isResolutionHold(order.holdReason) {
                let rules: ResolutionRules
                if let known = rulesByStore[order.storeId] {
                    rules = known
                } else {
                    rules = try await Self.resolutionRules(db, storeId: order.storeId, unmappedShipping: unmappedShipping)
                    rulesByStore[order.storeId] = rules
                }
                let reason = SKUResolver.resolve(order.payload, rules: rules).holdReason
                try await Self.applyResolution(db, order, holdReason: reason, actor: actor, now: now)
                if reason == nil { result.released.append(order.id) } else { result.stillHeld.append(order.id) }
            }
            return result
        }
    }

    public func catalogItems() async throws -> [CatalogItemRecord] {
        try await read { db in try await db.all("SELECT * FROM catalogItem ORDER BY warehouseSku COLLATE \"C\"", Row.catalogItem) }
    }

    // MARK: Transactions' building blocks

    static func resolutionRules(_ db: PostgresConnection, storeId: Int64, unmappedShipping: UnmappedShippingPolicy)
        async throws -> ResolutionRules
    {
        var skuRules: [String: SKURuleAction] = [:]
        for rule in try await db.all("SELECT * FROM skuRule WHERE storeId = \(storeId)", Row.skuRule) {
            switch rule.kind {
            case .map: skuRules[rule.storeSku] = .map(warehouseSKU: rule.warehouseSku ?? rule.storeSku, quantity: rule.quantity)
            case .kit: skuRules[rule.storeSku] = .kit(rule.components ?? [])
            case .ignore: skuRules[rule.storeSku] = .ignore
            }
        }
        let shipping = try await db.all("SELECT * FROM shippingRule WHERE storeId = \(storeId) ORDER BY id", Row.shippingRule)
        let catalog = Set(try await db.all("SELECT warehouseSku FROM catalogItem") {
            try $0.column("warehouseSku", as: String.self)
        })
        return ResolutionRules(
            skuRules: skuRules,
            shippingRules: Dictionary(shipping.map { ($0.storeMethod, $0.serviceCode) }, uniquingKeysWith: { _, last in last }),
            catalog: catalog, unmappedShipping: unmappedShipping)
    }

    /// See the SQLite engine's `applyResolution`.
    static func applyResolution(
        _ db: PostgresConnection, _ order: FulfillmentOrderRecord, holdReason: String?, actor: EventActor, now: Date
    ) async throws {
        switch (order.state, holdReason) {
        case let (.ready, reason?):
            try await db.run(
                "UPDATE fulfillmentOrder SET state = 'held', holdReason = \(reason), updatedAt = \(now) WHERE id = \(order.id)")
            try await appendEvent(
                db, orderId: order.id, kind: .held, from: .ready, to: .held, actor: actor, detail: ["reason": reason], at: now)
        case (.held, nil) where SKUResolution.isResolutionHold(order.holdReason):
            try await db.run(
                "UPDATE fulfillmentOrder SET state = 'ready', holdReason = NULL, updatedAt = \(now) WHERE id = \(order.id)")
            try await appendEvent(
                db, orderId: order.id, kind: .resolved, from: .held, to: .ready, actor: actor,
                detail: ["reason": order.holdReason ?? ""], at: now)
        case let (.held, reason?) where SKUResolution.isResolutionHold(order.holdReason) && reason != order.holdReason:
            try await db.run(
                "UPDATE fulfillmentOrder SET holdReason = \(reason), updatedAt = \(now) WHERE id = \(order.id)")
        default:
            break
        }
    }
}
