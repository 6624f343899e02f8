import Foundation

// Configure SKUs and shipping methods (DESIGN §2 flow 5, issue 6): what the warehouse gets for an
// order, given the store's rules and the warehouse catalog. Pure logic: the database feeds it the
// rules inside the import transaction, the claim route uses it to build the warehouse lines.

/// What a store SKU becomes for the warehouse.
public enum SKURuleAction: Sendable, Hashable {
    /// One warehouse SKU; the line's quantity is multiplied by `quantity`.
    case map(warehouseSKU: String, quantity: Int)
    /// Several warehouse SKUs; each component's quantity is multiplied by the line's quantity.
    case kit([KitComponent])
    /// Nothing: the line never reaches the warehouse (gift wrap, services, ...).
    case ignore
}

/// What happens to an order whose shipping method has no rule (`shipping.unmapped`).
public enum UnmappedShippingPolicy: Sendable, Hashable, CustomStringConvertible {
    /// Use this warehouse service code (`default:CODE`).
    case useDefault(serviceCode: String)
    /// Hold the order with a reason naming the method (`hold`).
    case hold
    /// Release it without a service code; the warehouse sees the store's method name (`pass`).
    case pass

    /// Parses `default:CODE`, `hold` or `pass` (case-insensitive keywords); nil otherwise.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "hold": self = .hold
        case "pass": self = .pass
        default:
            guard trimmed.lowercased().hasPrefix("default:") else { return nil }
            let code = trimmed.dropFirst("default:".count).trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty else { return nil }
            self = .useDefault(serviceCode: code)
        }
    }

    public var description: String {
        switch self {
        case let .useDefault(code): "default:\(code)"
        case .hold: "hold"
        case .pass: "pass"
        }
    }
}

/// Everything resolution needs to know about one store, read in one go.
public struct ResolutionRules: Sendable, Hashable {
    /// SKU rules by store SKU (exact match).
    public var skuRules: [String: SKURuleAction]
    /// Warehouse service codes by store shipping method, matched case-insensitively.
    public var shippingRules: [String: String]
    /// The warehouse's SKUs; empty means no catalog is loaded and no SKU is ever unresolved.
    public var catalog: Set<String>
    /// What to do with a shipping method that has no rule.
    public var unmappedShipping: UnmappedShippingPolicy

    public init(
        skuRules: [String: SKURuleAction] = [:], shippingRules: [String: String] = [:], catalog: Set<String> = [],
        unmappedShipping: UnmappedShippingPolicy = .pass
    ) {
        self.skuRules = skuRules
        self.shippingRules = Dictionary(shippingRules.map { (Self.methodKey($0.key), $0.value) }, uniquingKeysWith: { _, last in last })
        self.catalog = catalog
        self.unmappedShipping = unmappedShipping
    }

    /// The service code mapped for a store method, if any.
    public func serviceCode(for method: String) -> String? { shippingRules[Self.methodKey(method)] }

    /// How shipping methods are compared: trimmed, case-insensitive ("Free Shipping" = "free shipping ").
    public static func methodKey(_ method: String) -> String { method.trimmingCharacters(in: .whitespaces).lowercased() }
}

/// One line the warehouse picks: a warehouse SKU and quantity, traced to the store line it came from.
public struct WarehouseLine: Codable, Sendable, Hashable {
    /// The store line this comes from (`OrderLine.lineID`); shipments refer to it.
    public var lineID: String
    /// The store SKU of that line.
    public var storeSKU: String
    /// What the warehouse picks.
    public var warehouseSKU: String
    /// How many.
    public var quantity: Int

    public init(lineID: String, storeSKU: String, warehouseSKU: String, quantity: Int) {
        self.lineID = lineID
        self.storeSKU = storeSKU
        self.warehouseSKU = warehouseSKU
        self.quantity = quantity
    }
}

/// Why an order cannot go to the warehouse as it is.
public enum ResolutionProblem: Sendable, Hashable, CustomStringConvertible {
    /// With a catalog loaded: a store SKU (or what its rule names) the catalog does not have.
    case unresolvedSKU(storeSKU: String, warehouseSKUs: [String])
    /// With a catalog loaded: a physical line without a SKU.
    case missingSKU(lineID: String, name: String)
    /// Under `shipping.unmapped: hold`: a method without a rule (nil: the order names none).
    case unmappedShippingMethod(String?)

    public var description: String {
        switch self {
        case let .unresolvedSKU(sku, targets):
            targets == [sku] ? "unresolved SKU '\(sku)'" : "unresolved SKU '\(sku)' (→ \(targets.map { "'\($0)'" }.joined(separator: ", ")) not in the catalog)"
        case let .missingSKU(lineID, name): "line \(lineID) '\(name)' has no SKU"
        case let .unmappedShippingMethod(method): method.map { "unmapped shipping method '\($0)'" } ?? "no shipping method"
        }
    }
}

/// The outcome of resolving one order.
public struct SKUResolution: Sendable, Hashable {
    /// What the warehouse picks, in the order of the store's lines.
    public var lines: [WarehouseLine]
    /// The mapped warehouse service code; nil when unmapped under `pass` (or nothing ships).
    public var serviceCode: String?
    /// Everything that stops the order; empty = releasable.
    public var problems: [ResolutionProblem]

    public var isReleasable: Bool { problems.isEmpty }

    /// The hold reason for an order that is not releasable; nil when it is.
    public var holdReason: String? {
        problems.isEmpty ? nil : Self.holdReasonPrefix + problems.map(\.description).joined(separator: "; ")
    }

    /// Every hold reason written by resolution starts with this, so re-evaluation after a rule
    /// change touches only those holds, never an operator's.
    public static let holdReasonPrefix = "mapping: "

    /// Whether a hold reason was written by resolution (and may be lifted by a rule change).
    public static func isResolutionHold(_ reason: String?) -> Bool {
        reason?.hasPrefix(holdReasonPrefix) ?? false
    }
}

/// Resolves orders against a store's rules. Pure and deterministic.
public enum SKUResolver {
    /// Resolves one order.
    ///
    /// - Non-physical lines (digital, gift certificates) and lines whose SKU has an ignore rule
    ///   are dropped.
    /// - A mapped SKU becomes its warehouse SKU × multiplier; a kit becomes its components, each
    ///   quantity multiplied by the line's; a SKU without a rule passes through unchanged.
    /// - With a catalog: every warehouse SKU must be in it and every physical line needs a SKU.
    /// - The shipping method maps case-insensitively; an unmapped one follows the policy. An
    ///   order with nothing to ship needs no service code.
    public static func resolve(_ payload: OrderPayload, rules: ResolutionRules) -> SKUResolution {
        var lines: [WarehouseLine] = []
        var problems: [ResolutionProblem] = []
        let checkCatalog = !rules.catalog.isEmpty
        var reportedSKUs: Set<String> = []
        for line in payload.lines where line.isPhysical && line.quantity > 0 {
            guard let sku = line.sku?.trimmingCharacters(in: .whitespaces), !sku.isEmpty else {
                if checkCatalog { problems.append(.missingSKU(lineID: line.lineID, name: line.name)) }
                continue
            }
            let produced: [WarehouseLine]
            switch rules.skuRules[sku] {
            case .ignore:
                continue
            case let .map(warehouseSKU, multiplier):
                produced = [WarehouseLine(lineID: line.lineID, storeSKU: sku, warehouseSKU: warehouseSKU, quantity: line.quantity * multiplier)]
            case let .kit(components):
                produced = components.map {
                    WarehouseLine(lineID: line.lineID, storeSKU: sku, warehouseSKU: $0.warehouseSKU, quantity: line.quantity * $0.quantity)
                }
            case nil:
                produced = [WarehouseLine(lineID: line.lineID, storeSKU: sku, warehouseSKU: sku, quantity: line.quantity)]
            }
            if checkCatalog {
                let missing = produced.map(\.warehouseSKU).filter { !rules.catalog.contains($0) }
                if !missing.isEmpty, reportedSKUs.insert(sku).inserted {
                    problems.append(.unresolvedSKU(storeSKU: sku, warehouseSKUs: missing))
                }
            }
            lines += produced
        }

        var serviceCode: String?
        let shipsSomething = payload.lines.contains { $0.isPhysical && $0.quantity > 0 }
        if shipsSomething {
            let method = payload.shippingMethod.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
            if let method, let code = rules.serviceCode(for: method) {
                serviceCode = code
            } else {
                switch rules.unmappedShipping {
                case let .useDefault(code): serviceCode = code
                case .hold: problems.append(.unmappedShippingMethod(method))
                case .pass: break
                }
            }
        }
        return SKUResolution(lines: lines, serviceCode: serviceCode, problems: problems)
    }
}
