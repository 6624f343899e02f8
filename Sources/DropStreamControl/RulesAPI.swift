import Foundation

// Configure SKUs and shipping methods, and the warehouse catalog (DESIGN §2 flow 5, issue 6).
// Rules are per store; the catalog is one for the warehouse. Every change re-evaluates the
// orders held by resolution (never an operator's hold) and says which went back to `ready`.
//
//   curl --unix-socket /run/dropstream/control.sock http://localhost/v1/stores/shop/skus
//   curl --unix-socket /run/dropstream/control.sock -X POST http://localhost/v1/stores/shop/skus \
//        -H 'Content-Type: application/json' -d '{"sku":"MUG","kind":"map","warehouse_sku":"W-MUG","quantity":2}'

extension ControlAPI.Path {
    /// `GET`: the store's SKU rules (``SKURuleListResponse``). `POST` with ``SetSKURuleRequest``:
    /// set (replace) one rule (``RuleChangeResponse``).
    public static func skuRules(_ store: String) -> String { self.store(store) + "/skus" }

    /// `POST` with ``RemoveSKURuleRequest``: remove one rule (``RuleChangeResponse``; 404 when none).
    public static func removeSKURule(_ store: String) -> String { self.store(store) + "/skus/remove" }

    /// `GET`: the store's shipping-method rules (``ShippingRuleListResponse``). `POST` with
    /// ``SetShippingRuleRequest``: map one method (``RuleChangeResponse``).
    public static func shippingRules(_ store: String) -> String { self.store(store) + "/shipping-methods" }

    /// `POST` with ``RemoveShippingRuleRequest``: remove one mapping (``RuleChangeResponse``; 404 when none).
    public static func removeShippingRule(_ store: String) -> String { self.store(store) + "/shipping-methods/remove" }

    /// `GET`: the warehouse catalog (``CatalogResponse``). `PUT` with ``ImportCatalogRequest``:
    /// replace it (``RuleChangeResponse``). An empty catalog means "no catalog": nothing is held for SKUs.
    public static let catalog = "/v1/catalog"
}

/// The kinds of SKU rule.
public enum SKURuleKindName: String, Codable, Sendable, CaseIterable {
    /// One warehouse SKU, quantity multiplied.
    case map
    /// Several warehouse SKUs, each quantity multiplied by the line's.
    case kit
    /// The line never reaches the warehouse.
    case ignore
}

/// One component of a kit.
public struct KitComponentInfo: Codable, Sendable, Equatable {
    public var warehouseSku: String
    /// Per one kit.
    public var quantity: Int
    public init(warehouseSku: String, quantity: Int) {
        self.warehouseSku = warehouseSku
        self.quantity = quantity
    }
}

/// One SKU rule of a store.
public struct SKURuleInfo: Codable, Sendable, Equatable {
    /// The store SKU the rule applies to (exact match).
    public var sku: String
    public var kind: SKURuleKindName
    /// `map` only.
    public var warehouseSku: String?
    /// `map` only: the multiplier.
    public var quantity: Int?
    /// `kit` only.
    public var components: [KitComponentInfo]?
    public var updatedAt: Date

    public init(sku: String, kind: SKURuleKindName, warehouseSku: String?, quantity: Int?, components: [KitComponentInfo]?, updatedAt: Date) {
        self.sku = sku
        self.kind = kind
        self.warehouseSku = warehouseSku
        self.quantity = quantity
        self.components = components
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/stores/{name}/skus`.
public struct SKURuleListResponse: Codable, Sendable, Equatable {
    public var store: String
    public var rules: [SKURuleInfo]
    public init(store: String, rules: [SKURuleInfo]) {
        self.store = store
        self.rules = rules
    }
}

/// `POST /v1/stores/{name}/skus`: set one store SKU's rule (replacing any).
public struct SetSKURuleRequest: Codable, Sendable, Equatable {
    public var sku: String
    public var kind: SKURuleKindName
    /// Required for `map`.
    public var warehouseSku: String?
    /// `map`: the multiplier (default 1, positive).
    public var quantity: Int?
    /// Required for `kit`: at least one, positive quantities.
    public var components: [KitComponentInfo]?

    public init(sku: String, kind: SKURuleKindName, warehouseSku: String? = nil, quantity: Int? = nil, components: [KitComponentInfo]? = nil) {
        self.sku = sku
        self.kind = kind
        self.warehouseSku = warehouseSku
        self.quantity = quantity
        self.components = components
    }
}

/// `POST /v1/stores/{name}/skus/remove`.
public struct RemoveSKURuleRequest: Codable, Sendable, Equatable {
    public var sku: String
    public init(sku: String) { self.sku = sku }
}

/// One shipping-method mapping of a store.
public struct ShippingRuleInfo: Codable, Sendable, Equatable {
    /// The store's method name, matched case-insensitively.
    public var method: String
    /// The warehouse service code.
    public var serviceCode: String
    public var updatedAt: Date
    public init(method: String, serviceCode: String, updatedAt: Date) {
        self.method = method
        self.serviceCode = serviceCode
        self.updatedAt = updatedAt
    }
}

/// `GET /v1/stores/{name}/shipping-methods`.
public struct ShippingRuleListResponse: Codable, Sendable, Equatable {
    public var store: String
    public var rules: [ShippingRuleInfo]
    /// The daemon's `shipping.unmapped` policy: `default:CODE`, `hold` or `pass`.
    public var unmappedPolicy: String
    public init(store: String, rules: [ShippingRuleInfo], unmappedPolicy: String) {
        self.store = store
        self.rules = rules
        self.unmappedPolicy = unmappedPolicy
    }
}

/// `POST /v1/stores/{name}/shipping-methods`.
public struct SetShippingRuleRequest: Codable, Sendable, Equatable {
    public var method: String
    public var serviceCode: String
    public init(method: String, serviceCode: String) {
        self.method = method
        self.serviceCode = serviceCode
    }
}

/// `POST /v1/stores/{name}/shipping-methods/remove`.
public struct RemoveShippingRuleRequest: Codable, Sendable, Equatable {
    public var method: String
    public init(method: String) { self.method = method }
}

/// One row of the warehouse catalog.
public struct CatalogItemInfo: Codable, Sendable, Equatable {
    public var sku: String
    public var description: String?
    public init(sku: String, description: String? = nil) {
        self.sku = sku
        self.description = description
    }
}

/// `PUT /v1/catalog`: the whole catalog (replaces the loaded one; SKUs must be unique and non-empty).
public struct ImportCatalogRequest: Codable, Sendable, Equatable {
    public var items: [CatalogItemInfo]
    public init(items: [CatalogItemInfo]) { self.items = items }
}

/// `GET /v1/catalog`.
public struct CatalogResponse: Codable, Sendable, Equatable {
    /// Number of SKUs; 0 = no catalog loaded.
    public var count: Int
    public var items: [CatalogItemInfo]
    /// When it was imported; nil when none is loaded.
    public var importedAt: Date?
    public init(count: Int, items: [CatalogItemInfo], importedAt: Date?) {
        self.count = count
        self.items = items
        self.importedAt = importedAt
    }
}

/// The answer to any rule or catalog change.
public struct RuleChangeResponse: Codable, Sendable, Equatable {
    /// The store whose rules changed; nil for the catalog.
    public var store: String?
    /// What was done, for people ("SKU 'MUG' maps to 'W-MUG' x2", "catalog loaded: 12 SKUs").
    public var summary: String
    /// The rule as it now is (set operations).
    public var skuRule: SKURuleInfo?
    public var shippingRule: ShippingRuleInfo?
    /// The catalog size after a catalog import.
    public var catalogCount: Int?
    /// Held orders that now resolve and went back to `ready`.
    public var released: [Int64]
    /// Orders still held by resolution after the change.
    public var stillHeld: [Int64]

    public init(
        store: String?, summary: String, skuRule: SKURuleInfo? = nil, shippingRule: ShippingRuleInfo? = nil,
        catalogCount: Int? = nil, released: [Int64], stillHeld: [Int64]
    ) {
        self.store = store
        self.summary = summary
        self.skuRule = skuRule
        self.shippingRule = shippingRule
        self.catalogCount = catalogCount
        self.released = released
        self.stillHeld = stillHeld
    }
}
