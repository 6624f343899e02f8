import Foundation
import NIOHTTP1

extension BigCommerceClient {
    /// Lists orders page by page: `for try await page in client.orders(query) { ... }`.
    ///
    /// Each element is one non-empty page. The sequence ends after a page shorter than the
    /// limit, or at a 204 or `[]`, so the last request is often saved. Each iteration starts at
    /// page 1; nothing is fetched until iteration begins.
    public func orders(_ query: OrderListQuery = OrderListQuery()) -> OrderPages {
        OrderPages(client: self, query: query)
    }

    /// One order. With `includeConsignmentLineItems` (the default) it carries its shipping
    /// addresses and lines in ``Order/consignments``.
    /// - Throws: ``BigCommerceError/notFound(endpoint:)`` for an unknown id.
    public func order(id: Int, includeConsignmentLineItems: Bool = true) async throws -> Order {
        let query = includeConsignmentLineItems ? "include=consignments.line_items&consignment_structure=object" : nil
        return try await getJSON(Order.self, "/v2/orders/\(id)", query: query)
    }

    /// All lines of an order, paged with `limit=250` (the default page is only 50 lines).
    public func orderProducts(orderID: Int) async throws -> [OrderProduct] {
        try await getAllPages(OrderProduct.self, "/v2/orders/\(orderID)/products")
    }

    /// All shipping addresses of an order.
    public func shippingAddresses(orderID: Int) async throws -> [OrderShippingAddress] {
        try await getAllPages(OrderShippingAddress.self, "/v2/orders/\(orderID)/shipping_addresses")
    }

    /// The store's order statuses (ids 0–14 with the merchant's labels).
    public func orderStatuses() async throws -> [OrderStatus] {
        try await getList(OrderStatus.self, "/v2/order_statuses")
    }

    /// The store's clock (`GET /v2/time`); also a cheap check that the token works.
    public func serverTime() async throws -> Date {
        struct ServerTime: Decodable { var time: Int64 }
        let time = try await getJSON(ServerTime.self, "/v2/time")
        return Date(timeIntervalSince1970: TimeInterval(time.time))
    }

    /// Sets an order's status (`PUT /v2/orders/{id}` with `{"status_id": n}`) and returns the
    /// updated order. Safe to retry: setting the same status twice is the same as once.
    ///
    /// Create a shipment *before* setting Shipped: the status email otherwise goes out without
    /// tracking.
    public func updateOrderStatus(orderID: Int, statusID: Int) async throws -> Order {
        struct StatusChange: Encodable {
            var statusID: Int
            enum CodingKeys: String, CodingKey { case statusID = "status_id" }
        }
        return try await sendJSON(.PUT, "/v2/orders/\(orderID)", body: StatusChange(statusID: statusID), idempotent: true, as: Order.self)
    }

    /// Creates a shipment (`POST /v2/orders/{id}/shipments`); the order moves to Shipped once
    /// every item is shipped.
    ///
    /// Never retried after it may have reached the server. On
    /// ``BigCommerceError/ambiguous(endpoint:reason:)``, call ``shipments(orderID:)`` and look for
    /// your shipment (e.g. by tracking number) before creating it again.
    public func createShipment(orderID: Int, _ shipment: NewShipment) async throws -> Shipment {
        try await sendJSON(.POST, "/v2/orders/\(orderID)/shipments", body: shipment, idempotent: false, as: Shipment.self)
    }

    /// The order's shipments; empty when there are none (the API answers 204).
    public func shipments(orderID: Int) async throws -> [Shipment] {
        try await getAllPages(Shipment.self, "/v2/orders/\(orderID)/shipments")
    }
}

/// The pages of an order listing; see ``BigCommerceClient/orders(_:)``.
public struct OrderPages: AsyncSequence, Sendable {
    public typealias Element = [Order]

    let client: BigCommerceClient
    /// The query the pages are fetched with.
    public let query: OrderListQuery

    public func makeAsyncIterator() -> Iterator {
        Iterator(client: client, query: query)
    }

    /// Fetches one page per `next()`.
    public struct Iterator: AsyncIteratorProtocol {
        let client: BigCommerceClient
        let query: OrderListQuery
        var nextPage = 1
        var finished = false

        public mutating func next() async throws -> [Order]? {
            guard !finished else { return nil }
            let orders = try await client.getList(Order.self, "/v2/orders", query: query.queryString(page: nextPage))
            nextPage += 1
            if orders.count < query.effectiveLimit { finished = true }
            return orders.isEmpty ? nil : orders
        }
    }
}

/// An order with its shipping addresses and lines, however they were obtained.
public struct OrderDetails: Sendable, Hashable {
    /// Where the addresses and lines came from.
    public enum Source: Sendable, Hashable {
        /// Embedded in the order (`include=consignments.line_items`): no extra request.
        case consignments
        /// Fetched from `/products` and `/shipping_addresses`: two or more extra requests.
        case subresources
    }

    public var order: Order
    public var shippingAddresses: [OrderShippingAddress]
    /// From consignments: the lines of the shipping consignments (physical goods; digital
    /// items and gift certificates are not shipped). From sub-resources: every line.
    public var lines: [OrderProduct]
    public var source: Source
}

extension BigCommerceClient {
    /// The addresses and lines of `order`: taken from its embedded consignments when the listing
    /// included them, otherwise fetched (`/products` paged, `/shipping_addresses`).
    public func details(of order: Order) async throws -> OrderDetails {
        if let consignments = order.consignments, consignments.shipping.allSatisfy({ $0.lineItems != nil }) {
            var lines: [OrderProduct] = []
            for consignment in consignments.shipping {
                for var line in consignment.lineItems ?? [] {
                    // Embedded lines may omit the address they belong to; the consignment knows it.
                    if line.orderAddressID == nil || line.orderAddressID == 0 { line.orderAddressID = consignment.address.id }
                    lines.append(line)
                }
            }
            return OrderDetails(order: order, shippingAddresses: consignments.shipping.map(\.address), lines: lines, source: .consignments)
        }
        async let lines = orderProducts(orderID: order.id)
        async let addresses = shippingAddresses(orderID: order.id)
        return OrderDetails(order: order, shippingAddresses: try await addresses, lines: try await lines, source: .subresources)
    }
}
