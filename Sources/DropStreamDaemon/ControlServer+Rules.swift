import DropStreamControl
import DropStreamCore
import DropStreamStorage
import Foundation
import Hummingbird

// Configure SKUs and shipping methods, and the warehouse catalog (DESIGN §2 flow 5, issue 6).
// Every change re-evaluates the orders held by resolution — of the store for a rule, of every
// store for the catalog — so fixing a rule releases what it was holding, with a `resolved` event.
extension ControlRoutes {
    func registerRulesRoutes(on router: Router<ControlRequestContext>) {
        router.get(RouterPath(ControlAPI.Path.stores + "/:name/skus")) { _, context in
            let store = try await namedStore(try name(context))
            let rules = try await database.skuRules(storeId: store.id)
            return try ControlJSON.response(SKURuleListResponse(store: store.name, rules: rules.map(Self.skuRuleInfo)))
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/skus")) { request, context in
            let store = try await namedStore(try name(context))
            return try ControlJSON.response(try await setSKURule(store, try await decode(SetSKURuleRequest.self, from: request), actor: context.operatorActor))
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/skus/remove")) { request, context in
            let store = try await namedStore(try name(context))
            let body = try await decode(RemoveSKURuleRequest.self, from: request)
            guard try await rulesCall({ try await database.removeSKURule(storeId: store.id, storeSKU: body.sku) }) else {
                throw ControlAPIError.notFound("store '\(store.name)' has no rule for SKU '\(body.sku)'")
            }
            logger.notice("SKU rule removed", metadata: ["store": .string(store.name), "sku": .string(body.sku)])
            return try ControlJSON.response(try await reevaluated(store: store, actor: context.operatorActor, summary: "SKU '\(body.sku)': rule removed"))
        }
        router.get(RouterPath(ControlAPI.Path.stores + "/:name/shipping-methods")) { _, context in
            let store = try await namedStore(try name(context))
            let rules = try await database.shippingRules(storeId: store.id)
            return try ControlJSON.response(ShippingRuleListResponse(
                store: store.name, rules: rules.map(Self.shippingRuleInfo), unmappedPolicy: queue.unmappedShipping.description))
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/shipping-methods")) { request, context in
            let store = try await namedStore(try name(context))
            let body = try await decode(SetShippingRuleRequest.self, from: request)
            let method = body.method.trimmingCharacters(in: .whitespaces)
            let code = body.serviceCode.trimmingCharacters(in: .whitespaces)
            guard !method.isEmpty, method.count <= 200 else { throw ControlAPIError.invalid("a shipping method is 1 to 200 characters") }
            guard !code.isEmpty, code.count <= 100 else { throw ControlAPIError.invalid("a service code is 1 to 100 characters") }
            let rule = try await rulesCall { try await database.setShippingRule(storeId: store.id, storeMethod: method, serviceCode: code) }
            logger.notice("shipping method mapped", metadata: ["store": .string(store.name), "method": .string(method), "service": .string(code)])
            var response = try await reevaluated(store: store, actor: context.operatorActor, summary: "shipping method '\(method)' maps to service '\(code)'")
            response.shippingRule = Self.shippingRuleInfo(rule)
            return try ControlJSON.response(response)
        }
        router.post(RouterPath(ControlAPI.Path.stores + "/:name/shipping-methods/remove")) { request, context in
            let store = try await namedStore(try name(context))
            let body = try await decode(RemoveShippingRuleRequest.self, from: request)
            guard try await rulesCall({ try await database.removeShippingRule(storeId: store.id, storeMethod: body.method) }) else {
                throw ControlAPIError.notFound("store '\(store.name)' has no mapping for shipping method '\(body.method)'")
            }
            return try ControlJSON.response(try await reevaluated(store: store, actor: context.operatorActor, summary: "shipping method '\(body.method)': mapping removed"))
        }
        router.get(RouterPath(ControlAPI.Path.catalog)) { _, _ in
            let items = try await database.catalogItems()
            return try ControlJSON.response(CatalogResponse(
                count: items.count, items: items.map { CatalogItemInfo(sku: $0.warehouseSku, description: $0.name) },
                importedAt: items.map(\.importedAt).max()))
        }
        router.put(RouterPath(ControlAPI.Path.catalog)) { request, context in
            let body = try await decode(ImportCatalogRequest.self, from: request)
            return try ControlJSON.response(try await importCatalog(body, actor: context.operatorActor))
        }
    }

    // MARK: Handlers

    func setSKURule(_ store: StoreRecord, _ body: SetSKURuleRequest, actor: EventActor) async throws -> RuleChangeResponse {
        let sku = body.sku.trimmingCharacters(in: .whitespaces)
        guard !sku.isEmpty, sku.count <= 200 else { throw ControlAPIError.invalid("a SKU is 1 to 200 characters") }
        let target: SKURuleTarget
        let summary: String
        switch body.kind {
        case .map:
            guard let warehouse = body.warehouseSku?.trimmingCharacters(in: .whitespaces), !warehouse.isEmpty else {
                throw ControlAPIError.invalid("a map rule needs warehouse_sku")
            }
            let quantity = body.quantity ?? 1
            guard (1...10_000).contains(quantity) else { throw ControlAPIError.invalid("quantity must be from 1 to 10000 (got \(quantity))") }
            target = .map(warehouseSKU: warehouse, quantity: quantity)
            summary = "SKU '\(sku)' maps to '\(warehouse)' x\(quantity)"
        case .kit:
            let components = body.components ?? []
            guard !components.isEmpty else { throw ControlAPIError.invalid("a kit rule needs at least one component") }
            for component in components {
                guard !component.warehouseSku.trimmingCharacters(in: .whitespaces).isEmpty, (1...10_000).contains(component.quantity) else {
                    throw ControlAPIError.invalid("each kit component needs a warehouse SKU and a quantity from 1 to 10000 (got '\(component.warehouseSku)':\(component.quantity))")
                }
            }
            target = .kit(components.map { KitComponent(warehouseSKU: $0.warehouseSku.trimmingCharacters(in: .whitespaces), quantity: $0.quantity) })
            summary = "SKU '\(sku)' is a kit of " + components.map { "\($0.warehouseSku) x\($0.quantity)" }.joined(separator: ", ")
        case .ignore:
            target = .ignore
            summary = "SKU '\(sku)' is ignored"
        }
        let rule = try await rulesCall { try await database.setSKURule(storeId: store.id, storeSKU: sku, target) }
        logger.notice("SKU rule set", metadata: ["store": .string(store.name), "sku": .string(sku), "kind": .string(body.kind.rawValue)])
        var response = try await reevaluated(store: store, actor: actor, summary: summary)
        response.skuRule = Self.skuRuleInfo(rule)
        return response
    }

    func importCatalog(_ body: ImportCatalogRequest, actor: EventActor) async throws -> RuleChangeResponse {
        var seen: Set<String> = []
        var records: [CatalogItemRecord] = []
        let now = Date()
        for (index, item) in body.items.enumerated() {
            let sku = item.sku.trimmingCharacters(in: .whitespaces)
            guard !sku.isEmpty else { throw ControlAPIError.invalid("catalog item \(index + 1) has an empty SKU") }
            guard seen.insert(sku).inserted else { throw ControlAPIError.invalid("catalog item \(index + 1): SKU '\(sku)' appears twice") }
            let description = item.description?.trimmingCharacters(in: .whitespaces)
            records.append(CatalogItemRecord(warehouseSku: sku, name: description?.isEmpty == false ? description : nil, importedAt: now))
        }
        let count = try await rulesCall { try await database.replaceCatalog(records) }
        logger.notice("catalog imported", metadata: ["count": .stringConvertible(count)])
        let result = try await rulesCall {
            try await database.reevaluateHeldOrders(storeId: nil, unmappedShipping: queue.unmappedShipping, actor: actor)
        }
        return RuleChangeResponse(
            store: nil, summary: count == 0 ? "catalog cleared: no SKU is held for the catalog" : "catalog loaded: \(count) SKUs",
            catalogCount: count, released: result.released, stillHeld: result.stillHeld)
    }

    // MARK: Helpers

    private func reevaluated(store: StoreRecord, actor: EventActor, summary: String) async throws -> RuleChangeResponse {
        let result = try await rulesCall {
            try await database.reevaluateHeldOrders(storeId: store.id, unmappedShipping: queue.unmappedShipping, actor: actor)
        }
        if !result.released.isEmpty {
            logger.notice("held orders resolved after a rule change", metadata: ["store": .string(store.name), "count": .stringConvertible(result.released.count)])
        }
        return RuleChangeResponse(store: store.name, summary: summary, released: result.released, stillHeld: result.stillHeld)
    }

    private func namedStore(_ name: String) async throws -> StoreRecord {
        guard let store = try await database.store(named: name) else {
            throw ControlAPIError.notFound("no store named '\(name)'; 'dropstreamctl store list' shows them")
        }
        return store
    }

    private func rulesCall<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as StorageError {
            throw ControlAPIError(databaseError: error)
        }
    }

    static func skuRuleInfo(_ rule: SKURuleRecord) -> SKURuleInfo {
        let kind = SKURuleKindName(rawValue: rule.kind.rawValue) ?? .map
        return SKURuleInfo(
            sku: rule.storeSku, kind: kind, warehouseSku: rule.warehouseSku, quantity: kind == .map ? rule.quantity : nil,
            components: rule.components?.map { KitComponentInfo(warehouseSku: $0.warehouseSKU, quantity: $0.quantity) },
            updatedAt: rule.updatedAt)
    }

    static func shippingRuleInfo(_ rule: ShippingRuleRecord) -> ShippingRuleInfo {
        ShippingRuleInfo(method: rule.storeMethod, serviceCode: rule.serviceCode, updatedAt: rule.updatedAt)
    }
}
