import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Applying SKU and shipping-method resolution (DESIGN §2 flow 5, issue 6) to the queue: the
// rules are read inside the transaction that uses them, so an import or a re-evaluation never
// sees half of an operator's change.

extension SQLiteStorage {
    /// A store's SKU rules, shipping rules and the catalog, as the resolver takes them.
    public func resolutionRules(storeId: Int64, unmappedShipping: UnmappedShippingPolicy = .pass) async throws -> ResolutionRules {
        try await writer.read { db in try Self.resolutionRules(db, storeId: storeId, unmappedShipping: unmappedShipping) }
    }

    /// Re-resolves the orders held *by resolution* (never an operator's hold) of one store, or
    /// of every store when `storeId` is nil (the catalog changed). Those that now resolve go back
    /// to `ready` with a `resolved` event; the others keep their hold with an up-to-date reason.
    @discardableResult
    public func reevaluateHeldOrders(
        storeId: Int64?, unmappedShipping: UnmappedShippingPolicy = .pass, actor: EventActor, now: Date = Date()
    ) async throws -> ReevaluationResult {
        try await writer.write { db in
            typealias C = FulfillmentOrderRecord.Columns
            var request = FulfillmentOrderRecord
                .filter(C.state == OrderState.held.rawValue)
                .filter(C.holdReason.like(SKUResolution.holdReasonPrefix + "%"))
            if let storeId { request = request.filter(C.storeId == storeId) }
            let held = try request.order(C.id).fetchAll(db)
            var rulesByStore: [Int64: ResolutionRules] = [:]
            var result = ReevaluationResult()
            for order in held where SKUResolution.isResolutionHold(order.holdReason) {
                let rules = try rulesByStore[order.storeId]
                    ?? Self.resolutionRules(db, storeId: order.storeId, unmappedShipping: unmappedShipping)
                rulesByStore[order.storeId] = rules
                let reason = SKUResolver.resolve(order.payload, rules: rules).holdReason
                try Self.applyResolution(db, order, holdReason: reason, actor: actor, now: now)
                if reason == nil { result.released.append(order.id) } else { result.stillHeld.append(order.id) }
            }
            return result
        }
    }

    // MARK: Transactions' building blocks

    static func resolutionRules(_ db: Database, storeId: Int64, unmappedShipping: UnmappedShippingPolicy) throws -> ResolutionRules {
        var skuRules: [String: SKURuleAction] = [:]
        for rule in try SKURuleRecord.filter(SKURuleRecord.Columns.storeId == storeId).fetchAll(db) {
            switch rule.kind {
            case .map: skuRules[rule.storeSku] = .map(warehouseSKU: rule.warehouseSku ?? rule.storeSku, quantity: rule.quantity)
            case .kit: skuRules[rule.storeSku] = .kit(rule.components ?? [])
            case .ignore: skuRules[rule.storeSku] = .ignore
            }
        }
        let shipping = try ShippingRuleRecord.filter(ShippingRuleRecord.Columns.storeId == storeId).fetchAll(db)
        let catalog = try String.fetchSet(db, sql: "SELECT warehouseSku FROM catalogItem")
        return ResolutionRules(
            skuRules: skuRules,
            shippingRules: Dictionary(shipping.map { ($0.storeMethod, $0.serviceCode) }, uniquingKeysWith: { _, last in last }),
            catalog: catalog, unmappedShipping: unmappedShipping)
    }

    /// Brings an unclaimed order's state in line with its resolution: a ready order that does not
    /// resolve is held; an order held by resolution is released when it resolves, else its reason
    /// is updated. Orders held for other reasons, and claimed or terminal orders, are left alone.
    static func applyResolution(
        _ db: Database, _ order: FulfillmentOrderRecord, holdReason: String?, actor: EventActor, now: Date
    ) throws {
        switch (order.state, holdReason) {
        case let (.ready, reason?):
            try db.execute(
                sql: "UPDATE fulfillmentOrder SET state = 'held', holdReason = ?, updatedAt = ? WHERE id = ?",
                arguments: [reason, now, order.id])
            try appendEvent(db, orderId: order.id, kind: .held, from: .ready, to: .held, actor: actor,
                            detail: ["reason": reason], at: now)
        case (.held, nil) where SKUResolution.isResolutionHold(order.holdReason):
            try db.execute(
                sql: "UPDATE fulfillmentOrder SET state = 'ready', holdReason = NULL, updatedAt = ? WHERE id = ?",
                arguments: [now, order.id])
            try appendEvent(db, orderId: order.id, kind: .resolved, from: .held, to: .ready, actor: actor,
                            detail: ["reason": order.holdReason ?? ""], at: now)
        case let (.held, reason?) where SKUResolution.isResolutionHold(order.holdReason) && reason != order.holdReason:
            try db.execute(
                sql: "UPDATE fulfillmentOrder SET holdReason = ?, updatedAt = ? WHERE id = ?",
                arguments: [reason, now, order.id])
        default:
            break
        }
    }
}

extension SQLiteStorage {
    /// The warehouse catalog, by SKU (empty when none is loaded).
    public func catalogItems() async throws -> [CatalogItemRecord] {
        try await writer.read { db in try CatalogItemRecord.order(CatalogItemRecord.Columns.warehouseSku).fetchAll(db) }
    }
}
