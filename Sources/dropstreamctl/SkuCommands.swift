import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl skus ...`: Configure SKUs (per store).
struct SkusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skus",
        abstract: "Map store SKUs to warehouse SKUs, define kits, ignore SKUs (per store).",
        discussion: """
            Each order is resolved when it is imported: lines of non-physical products (digital, \
            gift certificates) and ignored SKUs are dropped; a mapped SKU becomes its warehouse SKU \
            with the quantity multiplied; a kit becomes its components; a SKU without a rule goes \
            to the warehouse unchanged. With a catalog loaded ('catalog import'), an order with a \
            SKU the catalog does not have, or a line without SKU, is held with a reason naming it. \
            Every change re-evaluates the store's orders held that way and releases those that \
            now resolve; operator holds are never touched.
            """,
        subcommands: [SkusSetCommand.self, SkusKitCommand.self, SkusIgnoreCommand.self, SkusListCommand.self, SkusRemoveCommand.self]
    )
}

struct SkusSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Map a store SKU to one warehouse SKU, with a quantity multiplier.",
        discussion: "Replaces any rule the SKU had. Example: 'skus set shop MUG-2PK --warehouse-sku MUG --quantity 2' ships 2 MUG per MUG-2PK ordered."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store SKU (exact, case-sensitive).", valueName: "sku"))
    var sku: String

    @Option(name: .customLong("warehouse-sku"), help: ArgumentHelp("The warehouse SKU the store SKU becomes.", valueName: "sku"))
    var warehouseSku: String

    @Option(name: .long, help: ArgumentHelp("Warehouse units per unit ordered (1-10000).", valueName: "n"))
    var quantity: Int = 1

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard (1...10_000).contains(quantity) else { throw ValidationError("--quantity must be from 1 to 10000.") }
        guard !warehouseSku.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--warehouse-sku must not be empty.") }
    }

    func run() async throws {
        try await RuleChange.send(
            global, ControlAPI.Path.skuRules(store),
            SetSKURuleRequest(sku: sku, kind: .map, warehouseSku: warehouseSku, quantity: quantity))
    }
}

struct SkusKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kit",
        abstract: "Make a store SKU a kit: one line becomes its components.",
        discussion: "Each component's quantity is multiplied by the quantity ordered. Example: 'skus kit shop GIFTBOX --component MUG:2 --component TEA:1'. Replaces any rule the SKU had."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store SKU (exact, case-sensitive).", valueName: "sku"))
    var sku: String

    @Option(name: .customLong("component"), help: ArgumentHelp("A component as WAREHOUSE-SKU:QUANTITY; repeat for each component.", valueName: "sku:n"))
    var components: [String] = []

    @OptionGroup var global: GlobalOptions

    func parsedComponents() throws -> [KitComponentInfo] {
        try components.map { text in
            guard let colon = text.lastIndex(of: ":"), let quantity = Int(text[text.index(after: colon)...]),
                  (1...10_000).contains(quantity), !text[..<colon].trimmingCharacters(in: .whitespaces).isEmpty
            else { throw ValidationError("--component '\(text)' is not WAREHOUSE-SKU:QUANTITY with a quantity from 1 to 10000.") }
            return KitComponentInfo(warehouseSku: String(text[..<colon]), quantity: quantity)
        }
    }

    func validate() throws {
        guard !components.isEmpty else { throw ValidationError("Name at least one --component WAREHOUSE-SKU:QUANTITY.") }
        _ = try parsedComponents()
    }

    func run() async throws {
        try await RuleChange.send(
            global, ControlAPI.Path.skuRules(store), SetSKURuleRequest(sku: sku, kind: .kit, components: try parsedComponents()))
    }
}

struct SkusIgnoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ignore",
        abstract: "Never send a store SKU to the warehouse (gift wrap, services, ...).",
        discussion: "Lines with this SKU are dropped from what the warehouse gets. Replaces any rule the SKU had."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store SKU (exact, case-sensitive).", valueName: "sku"))
    var sku: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await RuleChange.send(global, ControlAPI.Path.skuRules(store), SetSKURuleRequest(sku: sku, kind: .ignore))
    }
}

struct SkusListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show a store's SKU rules.",
        discussion: "With --json, prints the control API's GET /v1/stores/{name}/skus response unchanged."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let response: SKURuleListResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.skuRules(store), as: SKURuleListResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        guard !response.rules.isEmpty else { return print("Store '\(response.store)' has no SKU rules: every SKU goes to the warehouse unchanged.") }
        print(TextTable.render(
            ["STORE SKU", "RULE", "WAREHOUSE"],
            response.rules.map { rule in
                switch rule.kind {
                case .map: [rule.sku, "map", "\(rule.warehouseSku ?? "?") x\(rule.quantity ?? 1)"]
                case .kit: [rule.sku, "kit", (rule.components ?? []).map { "\($0.warehouseSku) x\($0.quantity)" }.joined(separator: ", ")]
                case .ignore: [rule.sku, "ignore", "-"]
                }
            }))
    }
}

struct SkusRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a store SKU's rule (the SKU then goes to the warehouse unchanged).",
        discussion: "Exits 1 when the SKU has no rule."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store SKU (exact, case-sensitive).", valueName: "sku"))
    var sku: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await RuleChange.send(global, ControlAPI.Path.removeSKURule(store), RemoveSKURuleRequest(sku: sku))
    }
}

/// Sends a rule or catalog change and prints what it did.
enum RuleChange {
    static func send(_ global: GlobalOptions, _ path: String, _ body: some Encodable & Sendable, put: Bool = false) async throws {
        let response: RuleChangeResponse
        do {
            response = try await (put
                ? global.client.send(.PUT, path, body: body, as: RuleChangeResponse.self)
                : global.client.send(.POST, path, body: body, as: RuleChangeResponse.self))
        } catch {
            throw CtlFailure.exit(for: error)
        }
        if global.json { return try JSONOutput.print(response) }
        print((response.store.map { "\($0): " } ?? "") + response.summary)
        if !response.released.isEmpty {
            print("Released \(response.released.count) held order\(response.released.count == 1 ? "" : "s") that now resolve: \(response.released.map(String.init).joined(separator: ", "))")
        }
        if !response.stillHeld.isEmpty {
            print("Still held for SKUs or shipping: \(response.stillHeld.count) ('dropstreamctl orders list --state held' shows why)")
        }
    }
}
