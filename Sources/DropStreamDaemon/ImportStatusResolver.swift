import DropStreamControl

/// Turns what an operator typed for an Order Import Status into a BigCommerce status id.
///
/// BigCommerce's ids are fixed at 0–14; merchants can only rename them (custom labels), so an
/// id or a system name can be checked without asking the store, while a custom label needs the
/// store's live `/v2/order_statuses`.
enum ImportStatusResolver {
    /// BigCommerce's system names, by id (bigcommerce-api.md §3).
    static let systemNames: [Int: String] = [
        0: "Incomplete", 1: "Pending", 2: "Shipped", 3: "Partially Shipped", 4: "Refunded",
        5: "Cancelled", 6: "Declined", 7: "Awaiting Payment", 8: "Awaiting Pickup", 9: "Awaiting Shipment",
        10: "Completed", 11: "Awaiting Fulfillment", 12: "Manual Verification Required", 13: "Disputed",
        14: "Partially Refunded",
    ]

    /// The fixed list, for stores that are not authorized yet.
    static var systemStatuses: [OrderStatusInfo] {
        systemNames.keys.sorted().map { OrderStatusInfo(id: $0, name: systemNames[$0]!) }
    }

    /// Why a value did not resolve, with the valid choices.
    struct Unknown: Error, CustomStringConvertible {
        var input: String
        var choices: [OrderStatusInfo]
        var description: String {
            let list = choices.map { status in
                "\(status.id) \(status.name)" + (status.customLabel.map { " (\"\($0)\")" } ?? "")
            }.joined(separator: ", ")
            return "'\(input)' is not an order status of this store; choose an id, system name or custom label: \(list)"
        }
    }

    /// Resolves `input` (id, system name or custom label; case- and space-insensitive) against `statuses`.
    static func resolve(_ input: String, in statuses: [OrderStatusInfo]) throws(Unknown) -> OrderStatusInfo {
        let wanted = normalize(input)
        if let id = Int(wanted), let match = statuses.first(where: { $0.id == id }) { return match }
        if let match = statuses.first(where: { normalize($0.name) == wanted }) { return match }
        let byLabel = statuses.filter { $0.customLabel.map(normalize) == wanted }
        // Two statuses renamed to the same label cannot be told apart by it.
        if byLabel.count == 1 { return byLabel[0] }
        throw Unknown(input: input, choices: statuses)
    }

    /// The status info for an id, with the store's custom label when known.
    static func info(for id: Int, customLabels: [Int: String] = [:]) -> OrderStatusInfo {
        OrderStatusInfo(id: id, name: systemNames[id] ?? "Status \(id)", customLabel: customLabels[id])
    }

    private static func normalize(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0 == " " || $0 == "_" || $0 == "-" }).joined(separator: " ")
    }
}

/// Which statuses may be a store's claim status (DESIGN §2 step 7).
///
/// Only open statuses: the closed ones tell the customer something (Shipped and Completed send
/// emails) or make the sync engine take the order out of the queue (Cancelled, Refunded,
/// Declined, Shipped elsewhere), and Incomplete is an abandoned checkout.
enum ClaimStatusPolicy {
    /// Refused as claim statuses: Incomplete, Shipped, Partially Shipped, Refunded, Cancelled,
    /// Declined, Completed, Partially Refunded.
    static let refusedIDs: Set<Int> = [0, 2, 3, 4, 5, 6, 10, 14]
    /// Words that turn the flip off.
    static let offWords: Set<String> = ["off", "none", "no", "false"]  // YAML reads a bare off as false
    /// The default claim status: Awaiting Shipment.
    static let defaultID = 9

    /// Why `id` cannot be a claim status, or nil when it can.
    static func refusal(for id: Int) -> String? {
        guard refusedIDs.contains(id) else { return nil }
        let allowed = (0...14).filter { !refusedIDs.contains($0) }.map { "\($0) \(ImportStatusResolver.info(for: $0).name)" }
        return "\(id) \(ImportStatusResolver.info(for: id).name) cannot be the claim status: it means something to the customer or takes the order out of the queue; choose an open status (\(allowed.joined(separator: ", "))) or 'off'"
    }
}
