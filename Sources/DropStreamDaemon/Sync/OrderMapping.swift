import BigCommerceAPI
import DropStreamCore
import Foundation

/// Turns what BigCommerce says about an order into what the queue stores (issue 5, item 1).
///
/// Pure: no I/O, so it is tested without a store.
enum OrderMapping {
    /// Statuses that mean "the store will not want this shipped": the order leaves the queue.
    static let cancelledStatuses: Set<Int> = [
        OrderStatus.WellKnownID.cancelled, OrderStatus.WellKnownID.refunded, OrderStatus.WellKnownID.declined,
    ]
    /// Statuses that mean "someone else shipped it" (the merchant, another app).
    /// Statuses a shipment we pushed puts the store's order in.
    static let ownShipmentStatuses: Set<Int> = [OrderStatus.WellKnownID.shipped, OrderStatus.WellKnownID.partiallyShipped]

    static let handledElsewhereStatuses: Set<Int> = [
        OrderStatus.WellKnownID.shipped, OrderStatus.WellKnownID.partiallyShipped, OrderStatus.WellKnownID.completed,
    ]

    /// The queue's form of an order in the import status, with its lines and shipping address.
    ///
    /// A new order that cannot be shipped as one parcel to one address enters the queue `held`
    /// with the reason: more than one shipping address, or physical lines and no address.
    static func importedOrder(_ details: OrderDetails) -> ImportedOrder {
        let order = details.order
        let lines = details.lines.map { line in
            OrderLine(
                lineID: String(line.id),
                sku: line.sku.trimmingCharacters(in: .whitespaces).isEmpty ? nil : line.sku,
                name: line.name,
                quantity: line.quantity,
                isPhysical: line.type.isEmpty || line.type == "physical",
                productType: line.type.isEmpty ? nil : line.type,
                addressID: line.orderAddressID.flatMap { $0 == 0 ? nil : String($0) })
        }
        let first = details.shippingAddresses.first
        let payload = OrderPayload(
            lines: lines,
            shippingAddress: first.map(shippingAddress),
            shippingMethod: first.flatMap { $0.shippingMethod.isEmpty ? nil : $0.shippingMethod },
            customerMessage: order.customerMessage.isEmpty ? nil : order.customerMessage)
        var holdReason: String?
        if details.shippingAddresses.count > 1 {
            holdReason = "the order ships to \(details.shippingAddresses.count) addresses; split it in the store or ship it by hand"
        } else if first == nil, lines.contains(where: \.isPhysical) {
            holdReason = "the order has physical items but no shipping address"
        }
        return ImportedOrder(
            externalOrderID: String(order.id), storeStatusID: order.statusID, dateModified: order.dateModified,
            payload: payload, holdReason: holdReason)
    }

    static func shippingAddress(_ address: OrderShippingAddress) -> ShippingAddress {
        let a = address.address
        func optional(_ text: String) -> String? { text.isEmpty ? nil : text }
        return ShippingAddress(
            addressID: String(address.id), firstName: a.firstName, lastName: a.lastName, company: optional(a.company),
            street1: a.street1, street2: optional(a.street2), city: a.city, state: optional(a.state), zip: a.zip,
            country: a.country, countryISO2: a.countryISO2, phone: optional(a.phone), email: optional(a.email))
    }

    /// What to do with an order we know that the store now shows outside the import status.
    enum Departure: Equatable {
        /// Cancelled, refunded or declined in the store: the order leaves the queue (`cancelled`).
        case cancel(reason: String)
        /// Shipped or completed by someone else: the order leaves the queue (`cancelled`) and
        /// the history says it was handled elsewhere.
        case handledElsewhere(reason: String)
        /// Moved to another open status (Pending, Manual Verification, On Hold...): set aside
        /// for an operator rather than cancelled, because the merchant may move it back.
        case hold(reason: String)
        /// Our own doing (the claim flip) or already terminal here: nothing to do.
        case ignore
    }

    /// - Parameters:
    ///   - claimStatusID: the store's claim status; a claimed order showing it is our flip (or
    ///     about to be).
    ///   - flippedStatusID: the status our claim flip set (or may have set) for this very order
    ///     (`fulfillmentOrder.flippedStoreStatusId`, kept in the database so it survives a
    ///     restart). The store showing it is our own doing in every open state: a released or
    ///     expired order whose restore has not landed yet stays `ready`, never `held`.
    static func departure(
        storeStatusID: Int, statusName: String, known: KnownOrderState, claimStatusID: Int?, flippedStatusID: Int? = nil
    ) -> Departure {
        switch known {
        case .shipped, .cancelled:
            return .ignore
        case .claimed where claimStatusID == storeStatusID:
            return .ignore
        case .ready, .held, .claimed:
            if flippedStatusID == storeStatusID { return .ignore }
        }
        let label = "\(statusName) (\(storeStatusID))"
        if cancelledStatuses.contains(storeStatusID) { return .cancel(reason: "\(label) in store") }
        if handledElsewhereStatuses.contains(storeStatusID) { return .handledElsewhere(reason: "handled elsewhere: \(label) in store") }
        return .hold(reason: "left the import status in the store: now \(label)")
    }

    /// The queue states `departure` distinguishes.
    enum KnownOrderState: Equatable {
        case ready, held, claimed, shipped, cancelled

        init(_ state: OrderState) {
            switch state {
            case .ready: self = .ready
            case .held: self = .held
            case .claimed: self = .claimed
            case .shipped: self = .shipped
            case .cancelled: self = .cancelled
            }
        }
    }
}
