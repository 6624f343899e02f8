import Foundation

/// A weighted mix of order statuses used when seeding.
public struct SandboxStatusMix: Sendable, Hashable {
    public var weights: [(statusID: Int, weight: Int)]
    public init(_ weights: [(statusID: Int, weight: Int)]) { self.weights = weights }

    public static func == (l: Self, r: Self) -> Bool { l.weights.map(\.statusID) == r.weights.map(\.statusID) && l.weights.map(\.weight) == r.weights.map(\.weight) }
    public func hash(into h: inout Hasher) { for w in weights { h.combine(w.statusID); h.combine(w.weight) } }

    /// Most orders Awaiting Fulfillment (11), the rest spread like a live store.
    public static let realistic = SandboxStatusMix([
        (11, 70), (9, 5), (2, 7), (3, 2), (7, 4), (1, 3), (5, 3), (10, 3), (0, 1), (4, 1), (12, 1),
    ])
    /// Every order in one status.
    public static func only(_ statusID: Int) -> SandboxStatusMix { .init([(statusID, 1)]) }

    func pick(_ r: inout SandboxRandom) -> Int {
        let total = weights.reduce(0) { $0 + max(0, $1.weight) }
        guard total > 0 else { return SandboxOrderStatus.awaitingFulfillment }
        var x = Int(r.next() % UInt64(total))
        for w in weights where w.weight > 0 {
            if x < w.weight { return w.statusID }
            x -= w.weight
        }
        return weights.last!.statusID
    }
}

/// Deterministic generator of realistic orders (names, addresses, a small catalog with
/// variants, some digital and gift-certificate lines).
struct SandboxSeeder {
    struct Product { let id: Int; let name: String; let sku: String; let cents: Int64; let type: SandboxLineType; let variants: [(String, String, Int)]; let weight: String }

    static let catalog: [Product] = [
        Product(id: 77, name: "Classic Cotton Tee", sku: "TEE-CLASSIC", cents: 1999, type: .physical,
                variants: [("Size", "S", 101), ("Size", "M", 102), ("Size", "L", 103), ("Size", "XL", 104)], weight: "0.3000"),
        Product(id: 78, name: "Hooded Sweatshirt", sku: "HOODIE", cents: 4950, type: .physical,
                variants: [("Color", "Grey", 111), ("Color", "Navy", 112)], weight: "0.8000"),
        Product(id: 81, name: "Ceramic Mug 12oz", sku: "MUG-12", cents: 1250, type: .physical, variants: [], weight: "0.4500"),
        Product(id: 82, name: "Stainless Water Bottle", sku: "BOTTLE-SS", cents: 2400, type: .physical, variants: [], weight: "0.3500"),
        Product(id: 86, name: "Canvas Tote Bag", sku: "TOTE-CNV", cents: 1500, type: .physical, variants: [], weight: "0.2000"),
        Product(id: 90, name: "Trail Running Shoe", sku: "SHOE-TRAIL", cents: 11_900, type: .physical,
                variants: [("Size", "9", 121), ("Size", "10", 122), ("Size", "11", 123)], weight: "1.1000"),
        Product(id: 93, name: "Wool Beanie", sku: "BEANIE-WL", cents: 2200, type: .physical, variants: [], weight: "0.1000"),
        Product(id: 97, name: "Leather Wallet", sku: "WALLET-LTH", cents: 3900, type: .physical, variants: [], weight: "0.1500"),
        Product(id: 104, name: "Phone Case", sku: "CASE-PH", cents: 1800, type: .physical,
                variants: [("Model", "Standard", 131), ("Model", "Max", 132)], weight: "0.0800"),
        Product(id: 110, name: "Gift Wrap", sku: "GIFT-WRAP", cents: 500, type: .physical, variants: [], weight: "0.0500"),
        Product(id: 120, name: "Field Guide (e-book)", sku: "EBOOK-FIELD", cents: 999, type: .digital, variants: [], weight: "0.0000"),
        Product(id: 0, name: "$25 Gift Certificate", sku: "", cents: 2500, type: .giftcertificate, variants: [], weight: "0.0000"),
    ]

    static let firstNames = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
                             "Mia", "Mateo", "Amelia", "Henry", "Harper", "Ethan", "Chloé", "José", "Zoë", "Mohammed"]
    static let lastNames = ["Smith", "Johnson", "Garcia", "Brown", "Nguyen", "Miller", "O'Neil", "Davis", "Rodriguez",
                            "Martinez", "Hernández", "Lopez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Lee"]
    static let streets = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd",
                          "Lakeview Rd", "Sunset Ave", "Park Pl"]
    static let cities: [(String, String, String)] = [
        ("Austin", "Texas", "787"), ("Portland", "Oregon", "972"), ("Denver", "Colorado", "802"),
        ("Columbus", "Ohio", "432"), ("Raleigh", "North Carolina", "276"), ("Madison", "Wisconsin", "537"),
        ("Boise", "Idaho", "837"), ("Tampa", "Florida", "336"), ("Albany", "New York", "122"), ("Tucson", "Arizona", "857"),
    ]
    static let shippingMethods: [(String, Int64)] = [("Flat Rate", 800), ("Free Shipping", 0), ("UPS Ground", 1250), ("USPS Priority Mail", 995)]
    static let paymentMethods = ["Credit Card", "PayPal", "Manual", "Test Payment Gateway"]

    static func address(_ r: inout SandboxRandom, email: String? = nil) -> SandboxAddress {
        let first = r.pick(firstNames), last = r.pick(lastNames)
        let (city, state, zip3) = r.pick(cities)
        let mail = email ?? "\(first.lowercased().filter(\.isLetter)).\(last.lowercased().filter(\.isLetter))\(r.int(1...999))@example.com"
        return SandboxAddress(
            firstName: first, lastName: last, company: r.int(0...9) == 0 ? "\(last) & Co" : "",
            street1: "\(r.int(10...9999)) \(r.pick(streets))", street2: r.int(0...5) == 0 ? "Apt \(r.int(1...40))" : "",
            city: city, state: state, zip: "\(zip3)\(String(format: "%02d", r.int(0...99)))",
            phone: "555-\(String(format: "%04d", r.int(0...9999)))", email: mail)
    }

    /// One order's content (ids are assigned by the store).
    static func order(_ r: inout SandboxRandom, statusID: Int, created: SandboxTimestamp) -> SandboxOrder {
        let billing = address(&r)
        let shipTo = r.int(0...3) == 0 ? address(&r) : billing
        let (method, cents) = r.pick(shippingMethods)
        var lines: [SandboxLineItem] = []
        let lineCount = r.int(0...9) < 6 ? 1 : r.int(2...4)
        var used = Set<Int>()
        for _ in 0..<lineCount {
            var p = r.pick(catalog)
            // Digital and gift-certificate lines are the exception, not the rule.
            if p.type != .physical && r.int(0...3) != 0 { p = catalog[0] }
            if used.contains(p.id) { continue }
            used.insert(p.id)
            var variantID = 0
            var options: [SandboxLineOption] = []
            var sku = p.sku
            if !p.variants.isEmpty {
                let v = r.pick(p.variants)
                variantID = v.2
                options = [SandboxLineOption(name: v.0, value: v.1)]
                sku = "\(p.sku)-\(v.1.uppercased())"
            }
            lines.append(SandboxLineItem(
                productID: p.id, variantID: variantID, name: p.name, sku: sku, type: p.type,
                price: SandboxMoney(cents: p.cents), quantity: p.type == .physical ? r.int(1...3) : 1,
                weight: p.weight, options: options))
        }
        return SandboxOrder(
            customerID: r.int(0...3) == 0 ? 0 : r.int(1...5000),
            dateCreated: created, dateModified: created, statusID: statusID,
            cartID: uuid(&r),
            billingAddress: billing,
            shippingAddresses: [SandboxShippingAddress(id: 0, address: shipTo, shippingMethod: method, cost: SandboxMoney(cents: cents))],
            lines: lines,
            paymentMethod: r.pick(paymentMethods),
            paymentStatus: statusID == 7 || statusID == 0 || statusID == 1 ? "pending" : "captured",
            customerMessage: r.int(0...9) == 0 ? "Please leave at the back door." : "",
            ipAddress: "203.0.113.\(r.int(1...254))",
            taxBasisPoints: r.int(0...2) == 0 ? 825 : 0)
    }

    static func uuid(_ r: inout SandboxRandom) -> String {
        let a = r.next(), b = r.next()
        let hex = String(a, radix: 16).leftPad(16) + String(b, radix: 16).leftPad(16)
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-4\(String(c[13..<16]))-a\(String(c[17..<20]))-\(String(c[20..<32]))"
    }
}

extension String {
    func leftPad(_ n: Int, _ ch: Character = "0") -> String { count >= n ? self : String(repeating: ch, count: n - count) + self }
}
