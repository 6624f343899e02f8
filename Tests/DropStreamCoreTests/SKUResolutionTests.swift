import DropStreamCore
import Testing

/// A small deterministic generator (SplitMix64): property tests that fail reproducibly.
private struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func bool() -> Bool { next() % 2 == 0 }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0...(values.count - 1))] }
}

private func line(_ id: String, _ sku: String?, _ quantity: Int, physical: Bool = true) -> OrderLine {
    OrderLine(lineID: id, sku: sku, name: "Item \(id)", quantity: quantity, isPhysical: physical)
}

private func payload(_ lines: [OrderLine], method: String? = "Free Shipping") -> OrderPayload {
    OrderPayload(lines: lines, shippingMethod: method)
}

@Suite struct SKUResolutionTests {
    @Test func withoutRulesOrCatalogPhysicalLinesPassThroughUnchanged() {
        let resolution = SKUResolver.resolve(
            payload([line("1", "A", 2), line("2", "E-BOOK", 1, physical: false), line("3", nil, 1)]), rules: ResolutionRules())
        #expect(resolution.lines == [WarehouseLine(lineID: "1", storeSKU: "A", warehouseSKU: "A", quantity: 2)])
        #expect(resolution.isReleasable)
        #expect(resolution.holdReason == nil)
        #expect(resolution.serviceCode == nil)
    }

    @Test func mapMultipliesKitExpandsIgnoreDrops() {
        let rules = ResolutionRules(skuRules: [
            "PACK": .map(warehouseSKU: "W-1", quantity: 3),
            "BOX": .kit([KitComponent(warehouseSKU: "W-1", quantity: 1), KitComponent(warehouseSKU: "W-2", quantity: 2)]),
            "WRAP": .ignore,
        ])
        let resolution = SKUResolver.resolve(payload([line("1", "PACK", 2), line("2", "BOX", 3), line("3", "WRAP", 1)]), rules: rules)
        #expect(resolution.lines == [
            WarehouseLine(lineID: "1", storeSKU: "PACK", warehouseSKU: "W-1", quantity: 6),
            WarehouseLine(lineID: "2", storeSKU: "BOX", warehouseSKU: "W-1", quantity: 3),
            WarehouseLine(lineID: "2", storeSKU: "BOX", warehouseSKU: "W-2", quantity: 6),
        ])
        #expect(resolution.isReleasable)
    }

    @Test func withACatalogUnknownSKUsAndLinesWithoutSKUHoldNamingThem() throws {
        let rules = ResolutionRules(skuRules: ["BOX": .kit([KitComponent(warehouseSKU: "W-1", quantity: 1), KitComponent(warehouseSKU: "W-9", quantity: 1)])],
                                    catalog: ["W-1", "A"])
        let resolution = SKUResolver.resolve(
            payload([line("1", "A", 1), line("2", "NOPE", 1), line("3", "BOX", 1), line("4", nil, 1), line("5", "NOPE", 2)]), rules: rules)
        #expect(resolution.problems == [
            .unresolvedSKU(storeSKU: "NOPE", warehouseSKUs: ["NOPE"]),
            .unresolvedSKU(storeSKU: "BOX", warehouseSKUs: ["W-9"]),
            .missingSKU(lineID: "4", name: "Item 4"),
        ])
        let reason = try #require(resolution.holdReason)
        #expect(reason.hasPrefix(SKUResolution.holdReasonPrefix))
        #expect(reason.contains("'NOPE'") && reason.contains("'W-9'") && reason.contains("line 4"))
        #expect(SKUResolution.isResolutionHold(reason))
        #expect(!SKUResolution.isResolutionHold("customer called"))
    }

    @Test func ignoredAndDigitalLinesNeedNoCatalogEntry() {
        let rules = ResolutionRules(skuRules: ["WRAP": .ignore], catalog: ["A"])
        let resolution = SKUResolver.resolve(payload([line("1", "A", 1), line("2", "WRAP", 1), line("3", "GIFT", 1, physical: false)]), rules: rules)
        #expect(resolution.isReleasable)
        #expect(resolution.lines.map(\.warehouseSKU) == ["A"])
    }

    @Test func shippingMethodsMapCaseInsensitivelyAndUnmappedFollowsThePolicy() {
        let mapped = ResolutionRules(shippingRules: ["Free Shipping": "GROUND"], unmappedShipping: .hold)
        #expect(SKUResolver.resolve(payload([line("1", "A", 1)], method: "free shipping"), rules: mapped).serviceCode == "GROUND")

        let held = SKUResolver.resolve(payload([line("1", "A", 1)], method: "Express"), rules: mapped)
        #expect(held.problems == [.unmappedShippingMethod("Express")])
        #expect(held.holdReason?.contains("'Express'") == true)

        let byDefault = ResolutionRules(unmappedShipping: .useDefault(serviceCode: "STD"))
        #expect(SKUResolver.resolve(payload([line("1", "A", 1)], method: "Express"), rules: byDefault).serviceCode == "STD")
        #expect(SKUResolver.resolve(payload([line("1", "A", 1)], method: "Express"), rules: ResolutionRules(unmappedShipping: .pass)).serviceCode == nil)
        // Nothing to ship: no service code is needed, so nothing is held for it.
        #expect(SKUResolver.resolve(payload([line("1", "E", 1, physical: false)], method: nil), rules: mapped).isReleasable)
    }

    @Test(arguments: [
        ("hold", UnmappedShippingPolicy.hold), ("PASS", .pass), ("default:GROUND", .useDefault(serviceCode: "GROUND")),
        (" Default: 2DAY ", .useDefault(serviceCode: "2DAY")),
    ])
    func policyParses(text: String, expected: UnmappedShippingPolicy) {
        #expect(UnmappedShippingPolicy(parsing: text) == expected)
        #expect(UnmappedShippingPolicy(parsing: expected.description) == expected)
    }

    @Test(arguments: ["", "default:", "defaults:X", "ship", "default"])
    func policyRefuses(text: String) {
        #expect(UnmappedShippingPolicy(parsing: text) == nil)
    }

    /// Properties over many random orders and rule sets: quantities are conserved through maps
    /// and kits, nothing ignored or non-physical reaches the warehouse, and an order is held for
    /// SKUs exactly when a catalog is loaded and some resolved SKU (or a SKU) is missing.
    @Test func propertiesHoldOverRandomOrders() {
        var g = Generator(state: 0xD20_5EED)
        let storeSKUs = ["A", "B", "C", "D", "E", "F"]
        let warehouseSKUs = ["W1", "W2", "W3", "A", "B"]
        for _ in 0..<2_000 {
            var skuRules: [String: SKURuleAction] = [:]
            for sku in storeSKUs where g.int(0...2) == 0 {
                switch g.int(0...2) {
                case 0: skuRules[sku] = .map(warehouseSKU: g.pick(warehouseSKUs), quantity: g.int(1...4))
                case 1: skuRules[sku] = .kit((0..<g.int(1...3)).map { _ in KitComponent(warehouseSKU: g.pick(warehouseSKUs), quantity: g.int(1...3)) })
                default: skuRules[sku] = .ignore
                }
            }
            let catalog: Set<String> = g.bool() ? [] : Set(warehouseSKUs.filter { _ in g.int(0...3) > 0 } + storeSKUs.filter { _ in g.bool() })
            let lines = (0..<g.int(0...6)).map { n in
                line(String(n), g.int(0...9) == 0 ? nil : g.pick(storeSKUs), g.int(1...5), physical: g.int(0...5) > 0)
            }
            let rules = ResolutionRules(skuRules: skuRules, catalog: catalog)
            let resolution = SKUResolver.resolve(payload(lines), rules: rules)

            var expectedUnits = 0
            var missing = false
            for l in lines where l.isPhysical {
                guard let sku = l.sku else { missing = missing || !catalog.isEmpty; continue }
                let targets: [(String, Int)] = switch skuRules[sku] {
                case .ignore: []
                case let .map(w, m): [(w, m)]
                case let .kit(parts): parts.map { ($0.warehouseSKU, $0.quantity) }
                case nil: [(sku, 1)]
                }
                expectedUnits += targets.map { l.quantity * $0.1 }.reduce(0, +)
                if !catalog.isEmpty, targets.contains(where: { !catalog.contains($0.0) }) { missing = true }
            }
            #expect(resolution.lines.map(\.quantity).reduce(0, +) == expectedUnits)
            #expect(resolution.isReleasable == !missing)
            let physicalIDs = Set(lines.filter(\.isPhysical).map(\.lineID))
            #expect(resolution.lines.allSatisfy { physicalIDs.contains($0.lineID) && $0.quantity > 0 })
            let ignored = Set(skuRules.filter { $0.value == .ignore }.map(\.key))
            #expect(resolution.lines.allSatisfy { !ignored.contains($0.storeSKU) })
            // Deterministic.
            #expect(SKUResolver.resolve(payload(lines), rules: rules) == resolution)
        }
    }
}
