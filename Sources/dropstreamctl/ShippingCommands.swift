import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl shipping ...`: map store shipping methods to warehouse service codes.
struct ShippingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipping",
        abstract: "Map a store's shipping methods to warehouse service codes.",
        discussion: """
            Methods match case-insensitively ("free shipping" = "Free Shipping"). A claimed order \
            carries the mapped code as service_code. A method without a mapping follows the \
            daemon's shipping.unmapped setting: default:CODE uses CODE, hold holds the order \
            with a reason naming the method (mapping it later releases the order), pass sends \
            no code. 'shipping list' shows the setting in force.
            """,
        subcommands: [ShippingMapCommand.self, ShippingListCommand.self, ShippingRemoveCommand.self]
    )
}

struct ShippingMapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Map a store shipping method to a warehouse service code.",
        discussion: "Example: dropstreamctl shipping map shop \"Free Shipping\" --service GROUND. Replaces any mapping the method had."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store's shipping method name, as on the order (quote it).", valueName: "method"))
    var method: String

    @Option(name: .long, help: ArgumentHelp("The warehouse service code the method maps to.", valueName: "code"))
    var service: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !method.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("The shipping method must not be empty.") }
        guard !service.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--service must not be empty.") }
    }

    func run() async throws {
        try await RuleChange.send(global, ControlAPI.Path.shippingRules(store), SetShippingRuleRequest(method: method, serviceCode: service))
    }
}

struct ShippingListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show a store's shipping-method mappings and the unmapped-method policy.",
        discussion: "With --json, prints the control API's GET /v1/stores/{name}/shipping-methods response unchanged."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let response: ShippingRuleListResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.shippingRules(store), as: ShippingRuleListResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        if response.rules.isEmpty {
            print("Store '\(response.store)' has no shipping-method mappings.")
        } else {
            print(TextTable.render(["STORE METHOD", "SERVICE"], response.rules.map { [$0.method, $0.serviceCode] }))
        }
        print("Unmapped methods: \(response.unmappedPolicy) (shipping.unmapped)")
    }
}

struct ShippingRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove a shipping-method mapping.",
        discussion: "The method then follows shipping.unmapped. Exits 1 when the method has no mapping."
    )

    @Argument(help: ArgumentHelp("The store's name in DropStream.", valueName: "store"))
    var store: String

    @Argument(help: ArgumentHelp("The store's shipping method name (case-insensitive).", valueName: "method"))
    var method: String

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await RuleChange.send(global, ControlAPI.Path.removeShippingRule(store), RemoveShippingRuleRequest(method: method))
    }
}
