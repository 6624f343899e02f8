import ArgumentParser
import DropStreamControl
import Foundation

/// `dropstreamctl orders ...`: Review Order Status and the operations on one order.
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "List and inspect orders; release, hold, unhold and ship them.",
        discussion: """
            Orders are named by their DropStream id (the ID column of 'orders list', the id in \
            'queue claim'), not by the store's order number. States: ready (in the queue), held \
            (needs an operator), claimed (a worker holds a lease), shipped, cancelled.
            """,
        subcommands: [
            OrdersListCommand.self, OrdersShowCommand.self, OrdersReleaseCommand.self, OrdersHoldCommand.self,
            OrdersUnholdCommand.self, OrdersShipCommand.self,
        ]
    )
}

struct OrdersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List orders, newest first.",
        discussion: """
            STORE STATUS is the store's own label when the merchant renamed the status (\
            "Ready to pack" for Awaiting Fulfillment); --json has both, store_status (the \
            system name) and store_status_label. With --json, prints the control API's GET \
            /v1/orders response unchanged.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Only this store's orders.", valueName: "store"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Only orders in this state: ready, held, claimed, shipped or cancelled.", valueName: "state"))
    var state: String?

    @Option(name: .long, help: ArgumentHelp("Only orders changed since then: an ISO 8601 time (2024-05-01T12:00:00Z) or a duration ago (30m, 2h, 1d).", valueName: "time"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("Show at most this many orders (1-10000).", valueName: "n"))
    var limit: Int = 100

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let since, OrdersListCommand.sinceDate(since) == nil {
            throw ValidationError("--since '\(since)' is neither an ISO 8601 time nor a duration like 30m, 2h or 1d.")
        }
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be from 1 to 10000.") }
    }

    static func sinceDate(_ text: String) -> Date? {
        if let seconds = CtlDuration.seconds(text) { return Date().addingTimeInterval(-TimeInterval(seconds)) }
        return try? Date(text, strategy: .iso8601)
    }

    func run() async throws {
        var query = [URLQueryItem(name: "limit", value: String(limit))]
        if let store { query.append(URLQueryItem(name: "store", value: store)) }
        if let state { query.append(URLQueryItem(name: "state", value: state)) }
        if let since, let date = Self.sinceDate(since) {
            query.append(URLQueryItem(name: "since", value: date.formatted(.iso8601)))
        }
        var components = URLComponents()
        components.path = ControlAPI.Path.orders
        components.queryItems = query
        // `+` in an ISO time must reach the daemon as a plus, not a space.
        let path = (components.string ?? ControlAPI.Path.orders).replacingOccurrences(of: "+", with: "%2B")
        let response: OrderListResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(path, as: OrderListResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        guard !response.orders.isEmpty else { return print("No orders.") }
        let rows = response.orders.map { order in
            [String(order.id), order.store, order.storeOrderId, order.state, OrderText.storeStatus(order),
             "\(order.quantityShipped)/\(order.quantity)", OrderText.time(order.updatedAt), OrderText.note(order)]
        }
        print(TextTable.render(["ID", "STORE", "ORDER", "STATE", "STORE STATUS", "SHIPPED", "UPDATED", "NOTE"], rows))
    }
}

struct OrdersShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one order: lines, warehouse lines, address, store status, shipments and its full history.",
        discussion: """
            The store status is shown with the store's own label when the merchant renamed it \
            ("Ready to pack (Awaiting Fulfillment, 11)"). The warehouse lines are what 'queue \
            claim' returns for the order now: the store's lines after the SKU rules (mapped, kits \
            expanded, ignored lines dropped) and the service code its shipping method maps to. A \
            SKU or shipping rule set after the order was imported is named.

            The history lists every event with who caused it: sync (the store), worker:NAME, \
            operator, rescuer (an expired lease) or pusher (delivering shipments to the store). \
            With --json, prints the control API's GET /v1/orders/{id} response unchanged.
            """
    )

    @Argument(help: ArgumentHelp("The DropStream order id.", valueName: "id"))
    var id: Int64

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let detail: OrderDetail = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.get(ControlAPI.Path.order(id), as: OrderDetail.self)
        }
        if global.json { return try JSONOutput.print(detail) }
        print(OrderText.detail(detail))
    }
}

struct OrdersReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release",
        abstract: "Give a claimed order back to the queue.",
        discussion: "The order becomes ready again (or cancelled, if the store cancelled it meanwhile)."
    )

    @Argument(help: ArgumentHelp("The DropStream order id.", valueName: "id"))
    var id: Int64

    @Option(name: .long, help: ArgumentHelp("Release only if this worker holds the claim.", valueName: "name"))
    var worker: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await OrderAction.run(global, ControlAPI.Path.releaseOrder(id), body: ReleaseRequest(worker: worker))
    }
}

struct OrdersHoldCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hold",
        abstract: "Set a ready or claimed order aside for an operator.",
        discussion: "A claim on the order is dropped. 'orders unhold' puts it back in the queue."
    )

    @Argument(help: ArgumentHelp("The DropStream order id.", valueName: "id"))
    var id: Int64

    @Option(name: .long, help: ArgumentHelp("Why; shown in 'orders list' and the order's history.", valueName: "text"))
    var reason: String

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--reason must not be empty.") }
    }

    func run() async throws {
        try await OrderAction.run(global, ControlAPI.Path.holdOrder(id), body: HoldRequest(reason: reason))
    }
}

struct OrdersUnholdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unhold",
        abstract: "Put a held order back in the queue (ready)."
    )

    @Argument(help: ArgumentHelp("The DropStream order id.", valueName: "id"))
    var id: Int64

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        try await OrderAction.run(global, ControlAPI.Path.unholdOrder(id), body: nil as ReleaseRequest?)
    }
}

struct OrdersShipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ship",
        abstract: "Confirm a shipment of a claimed order; the daemon sends it to the store.",
        discussion: """
            Without --items, ships everything not shipped yet and the order becomes 'shipped'. \
            With --items, ships only those lines and quantities (a partial shipment): the order \
            stays claimed until everything is shipped. The store then shows the order Partially \
            Shipped, and Shipped after the last shipment.

            The shipment is delivered to the store in the background, with retries; 'orders show \
            ID' shows where it is. Repeating the same confirmation (same tracking number and \
            items) returns the first shipment: nothing ships twice.

            An order the store cancelled after it was claimed is refused unless --force.
            """
    )

    @Argument(help: ArgumentHelp("The DropStream order id.", valueName: "id"))
    var id: Int64

    @Option(name: .long, help: ArgumentHelp("The carrier's tracking number (at most 50 characters).", valueName: "number"))
    var tracking: String

    @Option(name: .long, help: ArgumentHelp("The carrier: ups, fedex, usps, auspost, canadapost, royalmail, endicia, carrier_ID, or any other carrier name (sent as the tracking carrier).", valueName: "carrier"))
    var carrier: String

    @Option(name: .long, help: ArgumentHelp("The shipping method used (free text, e.g. \"Ground\").", valueName: "method"))
    var method: String?

    @Option(name: .long, help: ArgumentHelp("Ship only these lines: LINE:QTY pairs separated by commas, e.g. 55:2,56:1 (LINE is the line id 'orders show' prints).", valueName: "items"))
    var items: String?

    @Flag(name: .long, help: "Ship even though the store cancelled the order after it was claimed.")
    var force = false

    @Option(name: .long, help: ArgumentHelp("Ship only if this worker holds the claim; the worker is recorded in the history.", valueName: "name"))
    var worker: String?

    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if let items, Self.parseItems(items) == nil {
            throw ValidationError("--items '\(items)' is not a list of LINE:QTY pairs like 55:2,56:1 (quantities above 0).")
        }
        guard (1...50).contains(tracking.trimmingCharacters(in: .whitespaces).count) else {
            throw ValidationError("--tracking must be 1 to 50 characters.")
        }
    }

    static func parseItems(_ text: String) -> [ShipmentItemInfo]? {
        var items: [ShipmentItemInfo] = []
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: ":")
            guard parts.count == 2, let quantity = Int(parts[1].trimmingCharacters(in: .whitespaces)), quantity > 0 else { return nil }
            let line = parts[0].trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return nil }
            items.append(ShipmentItemInfo(lineId: line, quantity: quantity))
        }
        return items.isEmpty ? nil : items
    }

    func run() async throws {
        let request = ShipRequest(
            tracking: tracking, carrier: carrier, method: method, items: items.flatMap(Self.parseItems),
            force: force ? true : nil, worker: worker)
        let response: ShipResponse = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.shipOrder(id), body: request, as: ShipResponse.self)
        }
        if global.json { return try JSONOutput.print(response) }
        let what = response.shipment.items.map { "\($0.lineId)×\($0.quantity)" }.joined(separator: ", ")
        if !response.created { print("Already confirmed (same tracking number and items); nothing changed.") }
        print("Shipment \(response.shipment.id) (\(what), \(response.shipment.carrier) \(response.shipment.trackingNumber)): \(response.shipment.state).")
        print("Order \(response.order.id) is \(response.order.state) (\(response.order.quantityShipped)/\(response.order.quantity) shipped).")
    }
}

/// `dropstreamctl shipments ...`.
struct ShipmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipments",
        abstract: "Act on shipments on their way to the store.",
        subcommands: [ShipmentsRetryCommand.self]
    )
}

struct ShipmentsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a failed shipment to the store again.",
        discussion: """
            A shipment fails when the store refuses it (the reason is in 'orders show') or when \
            retries ran out. Fix the cause, then retry: the shipment goes back to pending and the \
            daemon sends it at once, first checking the store does not already have it.
            """
    )

    @Argument(help: ArgumentHelp("The shipment id ('orders show' lists them).", valueName: "id"))
    var id: Int64

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let shipment: ShipmentInfo = try await callDaemon { () async throws(ControlClientError) in
            try await global.client.send(.POST, ControlAPI.Path.retryShipment(id), as: ShipmentInfo.self)
        }
        if global.json { return try JSONOutput.print(shipment) }
        print("Shipment \(shipment.id) of order \(shipment.orderId) is \(shipment.state) again; the daemon will send it shortly.")
    }
}

/// A POST on one order that answers with its summary.
enum OrderAction {
    static func run<Body: Encodable>(_ global: GlobalOptions, _ path: String, body: Body?) async throws {
        let order: OrderSummary
        do {
            if let body {
                order = try await global.client.send(.POST, path, body: body, as: OrderSummary.self)
            } else {
                order = try await global.client.send(.POST, path, as: OrderSummary.self)
            }
        } catch {
            throw CtlFailure.exit(for: error)
        }
        if global.json { return try JSONOutput.print(order) }
        print("Order \(order.id) (\(order.store) #\(order.storeOrderId)) is \(order.state)\(order.holdReason.map { ": \($0)" } ?? "").")
    }
}

/// Human renderings of orders.
enum OrderText {
    static func time(_ date: Date) -> String { date.formatted(.iso8601) }

    static func note(_ order: OrderSummary) -> String {
        var notes: [String] = []
        if let reason = order.holdReason { notes.append("held: \(reason)") }
        if let worker = order.claimedBy { notes.append("by \(worker) until \(order.leaseExpiresAt.map(time) ?? "?")") }
        if order.cancelledInStore { notes.append("CANCELLED IN STORE") }
        if order.changedAfterClaim { notes.append("changed in store after claim") }
        return notes.joined(separator: "; ")
    }

    static func address(_ address: AddressInfo?) -> [String] {
        guard let a = address else { return ["(no shipping address)"] }
        var lines = ["\(a.firstName) \(a.lastName)" + (a.company.map { ", \($0)" } ?? "")]
        lines.append(a.street1)
        if let street2 = a.street2, !street2.isEmpty { lines.append(street2) }
        lines.append([a.city, a.state, a.zip].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ") + ", \(a.countryIso2)")
        if let phone = a.phone, !phone.isEmpty { lines.append("phone \(phone)") }
        return lines
    }

    static func lineTable(_ lines: [OrderLineInfo], shipped: Bool) -> String {
        let rows = lines.map { line in
            [line.lineId, line.sku ?? "-", String(line.quantity)] + (shipped ? [String(line.quantityShipped)] : [])
                + [line.name + (line.isPhysical ? "" : " (not shipped: digital)")]
        }
        return TextTable.render(["LINE", "SKU", "QTY"] + (shipped ? ["SHIPPED"] : []) + ["NAME"], rows, indent: 2)
    }

    /// The status as the merchant sees it: the store's label when it renamed the status.
    static func storeStatus(_ order: OrderSummary) -> String {
        order.storeStatusLabel ?? order.storeStatus
    }

    /// What the warehouse picks (`queue claim`'s warehouse lines and service code), and the rules
    /// that changed since the order was imported.
    static func warehouseSection(
        _ lines: [WarehouseLineInfo], serviceCode: String?, changes: [RuleChangeInfo],
        title: String = "WAREHOUSE LINES (after SKU rules, as 'queue claim' returns them now)"
    ) -> [String] {
        var out = [title]
        if lines.isEmpty {
            out.append("  (none: nothing to pick)")
        } else {
            out.append(TextTable.render(
                ["LINE", "SKU", "WAREHOUSE SKU", "QTY"],
                lines.map { [$0.lineId, $0.sku, $0.warehouseSku, String($0.quantity)] }, indent: 2))
        }
        out.append("Service code: \(serviceCode ?? "- (no shipping rule; the warehouse sees the store's method)")")
        if !changes.isEmpty {
            let list = changes.map { "\($0.kind == "sku" ? "SKU" : "shipping") rule '\($0.key)' at \(time($0.changedAt))" }
            out.append("Rules changed since the order was imported: \(list.joined(separator: ", ")); the lines above use the rules in force now.")
        }
        return out
    }

    static func claimed(_ order: ClaimedOrder) -> String {
        var out = ["Order \(order.id)  store \(order.store) #\(order.storeOrderId)  lease until \(time(order.leaseExpiresAt))"]
        out.append("  Ship to:  " + address(order.shipTo).joined(separator: "\n            "))
        out.append("  Method:   \(order.shippingMethod ?? "-")")
        if let message = order.customerMessage, !message.isEmpty { out.append("  Message:  \(message)") }
        out.append(lineTable(order.lines, shipped: false))
        if let warehouse = order.warehouseLines {
            out.append(contentsOf: warehouseSection(warehouse, serviceCode: order.serviceCode, changes: [], title: "Warehouse lines (after SKU rules):").map { "  " + $0 })
        }
        return out.joined(separator: "\n")
    }

    static func detail(_ detail: OrderDetail) -> String {
        let order = detail.order
        var out = ["Order \(order.id)  store \(order.store) #\(order.storeOrderId)"]
        out.append("State:        \(order.state)" + (note(order).isEmpty ? "" : "  (\(note(order)))"))
        out.append("Store status: " + (order.storeStatusLabel.map { "\($0) (\(order.storeStatus), \(order.storeStatusId))" }
            ?? "\(order.storeStatus) (\(order.storeStatusId))"))
        out.append("Ship to:      " + address(detail.shipTo).joined(separator: "\n              "))
        out.append("Method:       \(detail.shippingMethod ?? "-")")
        if let message = detail.customerMessage, !message.isEmpty { out.append("Message:      \(message)") }
        out.append("")
        out.append("LINES")
        out.append(lineTable(detail.lines, shipped: true))
        if let warehouse = detail.warehouseLines {
            out.append("")
            out.append(contentsOf: warehouseSection(warehouse, serviceCode: detail.serviceCode, changes: detail.rulesChangedSinceImport ?? []))
        }
        out.append("")
        out.append("SHIPMENTS")
        if detail.shipments.isEmpty {
            out.append("  (none)")
        } else {
            out.append(TextTable.render(
                ["ID", "STATE", "CARRIER", "TRACKING", "ITEMS", "TRIES", "STORE ID", "LAST ERROR"],
                detail.shipments.map { s in
                    [String(s.id), s.state, s.carrier, s.trackingNumber, s.items.map { "\($0.lineId)×\($0.quantity)" }.joined(separator: ","),
                     String(s.attempts), s.storeShipmentId ?? "-", s.lastError ?? ""]
                }, indent: 2))
        }
        out.append("")
        out.append("HISTORY")
        out.append(TextTable.render(
            ["AT", "EVENT", "STATE", "BY", "DETAIL"],
            detail.events.map { e in
                let transition = e.toState.map { to in "\(e.fromState ?? "-") → \(to)" } ?? ""
                let facts = (e.facts ?? e.detail).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                return [time(e.at), e.kind, transition, e.actor, facts]
            }, indent: 2))
        return out.joined(separator: "\n")
    }
}

/// Left-aligned columns, two spaces apart.
enum TextTable {
    static func render(_ headers: [String], _ rows: [[String]], indent: Int = 0) -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        let pad = String(repeating: " ", count: indent)
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, cell in
                i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
            }
            return pad + padded.joined(separator: "  ")
        }
        return ([line(headers)] + rows.map(line)).joined(separator: "\n")
    }
}
