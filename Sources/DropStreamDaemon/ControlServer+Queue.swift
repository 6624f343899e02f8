import DropStreamControl
import DropStreamCore
import DropStreamStorage
import Foundation
import Hummingbird
import NIOFoundationCompat

/// Lease settings the queue routes apply (`queue.default_lease`, `queue.max_lease`).
struct QueueSettings: Sendable {
    var defaultLease: Duration = .seconds(600)
    var maxLease: Duration = .seconds(86400)
    /// `shipping.unmapped`: applied to claimed payloads and to re-evaluations after a rule change.
    var unmappedShipping: UnmappedShippingPolicy = .pass
}

// The warehouse queue and Review Order Status routes (DESIGN §2 flows 6–7, issue 6). Every
// database refusal becomes a control API error with a status: 404 unknown order/shipment, 409
// wrong state (claimed by another worker, cancelled in store without force...), 400 bad input.
extension ControlRoutes {
    func registerQueueRoutes(on router: Router<ControlRequestContext>) {
        router.post(RouterPath(ControlAPI.Path.queueClaim)) { request, _ in
            try ControlJSON.response(try await claim(try await queueBody(ClaimRequest.self, from: request)))
        }
        router.post(RouterPath(ControlAPI.Path.queueHeartbeat)) { request, _ in
            try ControlJSON.response(try await heartbeat(try await queueBody(HeartbeatRequest.self, from: request)))
        }
        router.get(RouterPath(ControlAPI.Path.orders)) { request, _ in
            var query: [String: String] = [:]
            for (key, value) in request.uri.queryParameters { query[String(key)] = String(value) }
            return try ControlJSON.response(try await listOrders(query))
        }
        router.get(RouterPath(ControlAPI.Path.orders + "/:id")) { _, context in
            try ControlJSON.response(try await orderDetail(try numericID(context)))
        }
        router.post(RouterPath(ControlAPI.Path.orders + "/:id/release")) { request, context in
            let body = try await optionalQueueBody(ReleaseRequest.self, from: request) ?? ReleaseRequest()
            let id = try numericID(context)
            _ = try await databaseCall {
                try await database.release(id, worker: body.worker, actor: body.worker.map(EventActor.worker) ?? context.operatorActor)
            }
            return try ControlJSON.response(try await summary(id))
        }
        router.post(RouterPath(ControlAPI.Path.orders + "/:id/hold")) { request, context in
            let body = try await queueBody(HoldRequest.self, from: request)
            let id = try numericID(context)
            let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !reason.isEmpty else { throw ControlAPIError.invalid("a hold needs a reason") }
            _ = try await databaseCall { try await database.hold(id, reason: reason, actor: context.operatorActor) }
            return try ControlJSON.response(try await summary(id))
        }
        router.post(RouterPath(ControlAPI.Path.orders + "/:id/unhold")) { _, context in
            let id = try numericID(context)
            _ = try await databaseCall { try await database.unhold(id, actor: context.operatorActor) }
            return try ControlJSON.response(try await summary(id))
        }
        router.post(RouterPath(ControlAPI.Path.orders + "/:id/ship")) { request, context in
            let body = try await queueBody(ShipRequest.self, from: request)
            let response = try await ship(try numericID(context), body, operatorActor: context.operatorActor)
            return try ControlJSON.response(response, status: response.created ? .created : .ok)
        }
        router.post(RouterPath("/v1/shipments/:id/retry")) { _, context in
            let id = try numericID(context)
            let shipment = try await databaseCall { try await database.retryShipment(id) }
            logger.notice("shipment queued again by an operator", metadata: ["shipment_id": .stringConvertible(id)])
            return try ControlJSON.response(FulfillmentWire.shipment(shipment))
        }
    }

    // MARK: Handlers

    func claim(_ body: ClaimRequest) async throws -> ClaimResponse {
        let worker = try workerName(body.worker)
        let limit = body.limit ?? 1
        guard (1...500).contains(limit) else { throw ControlAPIError.invalid("limit must be from 1 to 500 (got \(limit))") }
        let lease = try leaseDuration(body.leaseSeconds)
        var storeId: Int64?
        if let name = body.store {
            guard let store = try await database.store(named: name) else {
                throw ControlAPIError.notFound("no store named '\(name)'; 'dropstreamctl store list' shows them")
            }
            storeId = store.id
        }
        let claimed = try await databaseCall { try await database.claim(limit: limit, worker: worker, lease: lease, storeId: storeId) }
        let names = try await storeNames()
        if !claimed.isEmpty {
            metrics?.increment(DaemonMetrics.claims, by: claimed.count)
            logger.info("orders claimed", metadata: ["worker": .string(worker), "count": .stringConvertible(claimed.count)])
        }
        var rules: [Int64: ResolutionRules] = [:]
        for id in Set(claimed.map(\.storeId)) {
            rules[id] = try await database.resolutionRules(storeId: id, unmappedShipping: queue.unmappedShipping)
        }
        return ClaimResponse(worker: worker, orders: claimed.map { order in
            let pick = FulfillmentWire.warehousePick(order.payload, rules: rules[order.storeId] ?? ResolutionRules(unmappedShipping: queue.unmappedShipping))
            return ClaimedOrder(
                id: order.id, store: names[order.storeId] ?? "#\(order.storeId)", storeOrderId: order.externalOrderId,
                claimedBy: worker, leaseExpiresAt: order.leaseExpiresAt ?? Date(),
                shipTo: order.payload.shippingAddress.map(FulfillmentWire.address), shippingMethod: order.payload.shippingMethod,
                lines: order.payload.lines.filter(\.isPhysical).map { FulfillmentWire.line($0, shipped: 0) },
                customerMessage: order.payload.customerMessage, serviceCode: pick.serviceCode, warehouseLines: pick.lines)
        })
    }

    func heartbeat(_ body: HeartbeatRequest) async throws -> HeartbeatResponse {
        let worker = try workerName(body.worker)
        guard !body.orderIds.isEmpty else { throw ControlAPIError.invalid("name at least one order id") }
        let lease = try leaseDuration(body.leaseSeconds)
        let extended = try await databaseCall { try await database.extendLeases(orderIds: body.orderIds, worker: worker, lease: lease) }
        let kept = Set(extended.map(\.id))
        return HeartbeatResponse(
            extended: extended.map { HeartbeatResponse.Lease(id: $0.id, leaseExpiresAt: $0.leaseExpiresAt ?? Date()) },
            lost: body.orderIds.filter { !kept.contains($0) })
    }

    func listOrders(_ query: [String: String]) async throws -> OrderListResponse {
        var storeId: Int64?
        if let name = query["store"], !name.isEmpty {
            guard let store = try await database.store(named: name) else {
                throw ControlAPIError.notFound("no store named '\(name)'; 'dropstreamctl store list' shows them")
            }
            storeId = store.id
        }
        var state: OrderState?
        if let text = query["state"], !text.isEmpty {
            guard let parsed = OrderState(rawValue: text.lowercased()) else {
                throw ControlAPIError.invalid("unknown state '\(text)'; use one of \(OrderState.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            state = parsed
        }
        var since: Date?
        if let text = query["since"], !text.isEmpty {
            guard let parsed = try? Date(text, strategy: .iso8601) else {
                throw ControlAPIError.invalid("since must be an ISO 8601 time such as 2024-05-01T12:00:00Z (got '\(text)')")
            }
            since = parsed
        }
        let limit = Int(query["limit"] ?? "100") ?? -1
        guard (1...10_000).contains(limit) else { throw ControlAPIError.invalid("limit must be from 1 to 10000") }
        let orders = try await databaseCall { try await database.orders(store: storeId, state: state, since: since, limit: limit) }
        let shipments = try await database.shipments(forOrders: orders.map(\.id))
        let names = try await storeNames()
        // The stores' own labels: cached, at most one request per store every few minutes.
        let labels = await connections.statusLabels(storeIds: Set(orders.map(\.storeId)), refresh: true)
        return OrderListResponse(orders: orders.map {
            FulfillmentWire.summary($0, storeName: names[$0.storeId], shipments: shipments[$0.id] ?? [], labels: labels[$0.storeId] ?? [:])
        })
    }

    func orderDetail(_ id: Int64) async throws -> OrderDetail {
        guard let order = try await database.order(id: id) else { throw ControlAPIError.notFound("no order with id \(id)") }
        let shipments = try await database.shipments(forOrder: id)
        let events = try await database.events(forOrder: id)
        let shipped = FulfillmentWire.shippedQuantities(shipments)
        let names = try await storeNames()
        let labels = await connections.statusLabels(storeIds: [order.storeId], refresh: true)
        // What a claim would hand the warehouse now: the same resolution as `claim`, same rules.
        let rules = try await database.resolutionRules(storeId: order.storeId, unmappedShipping: queue.unmappedShipping)
        let pick = FulfillmentWire.warehousePick(order.payload, rules: rules)
        let importedAt = events.first { $0.kind == .imported }?.at ?? order.createdAt
        let changes = FulfillmentWire.ruleChanges(
            for: order.payload, since: importedAt,
            skuRules: try await database.skuRules(storeId: order.storeId),
            shippingRules: try await database.shippingRules(storeId: order.storeId))
        return OrderDetail(
            order: FulfillmentWire.summary(order, storeName: names[order.storeId], shipments: shipments, labels: labels[order.storeId] ?? [:]),
            shipTo: order.payload.shippingAddress.map(FulfillmentWire.address),
            shippingMethod: order.payload.shippingMethod, customerMessage: order.payload.customerMessage,
            lines: order.payload.lines.map { FulfillmentWire.line($0, shipped: shipped[$0.lineID] ?? 0) },
            shipments: shipments.map(FulfillmentWire.shipment),
            events: events.map { event in
                OrderEventInfo(at: event.at, kind: event.kind.rawValue, fromState: event.fromState?.rawValue,
                               toState: event.toState?.rawValue, actor: event.actor.rawValue, detail: event.detail ?? [:],
                               facts: ControlAPI.snakeCaseKeys(event.detail ?? [:]))
            },
            warehouseLines: pick.lines, serviceCode: pick.serviceCode, rulesChangedSinceImport: changes)
    }

    func ship(_ id: Int64, _ body: ShipRequest, operatorActor: EventActor) async throws -> ShipResponse {
        let tracking = body.tracking.trimmingCharacters(in: .whitespaces)
        let carrier = body.carrier.trimmingCharacters(in: .whitespaces)
        guard (1...50).contains(tracking.count) else {
            throw ControlAPIError.invalid("the tracking number must be 1 to 50 characters (BigCommerce's limit)")
        }
        guard !carrier.isEmpty else { throw ControlAPIError.invalid("name the carrier (ups, fedex, usps, ... or any carrier name)") }
        let worker = try body.worker.map(workerName)
        let actor = worker.map(EventActor.worker) ?? operatorActor
        let result = try await databaseCall {
            try await database.confirmShipment(
                id, trackingNumber: tracking, carrier: carrier, shippingMethod: body.method,
                items: body.items.map { $0.map { ShipmentItem(lineID: $0.lineId, quantity: $0.quantity) } },
                idempotencyKey: body.idempotencyKey, worker: worker, force: body.force ?? false, actor: actor)
        }
        if result.created {
            logger.notice(result.order.state == .shipped ? "order shipped; shipment queued for the store" : "partial shipment queued for the store",
                          metadata: ["order_id": .stringConvertible(id), "shipment_id": .stringConvertible(result.shipment.id),
                                     "actor": .string(actor.rawValue), "forced": .stringConvertible(body.force ?? false)])
        }
        let shipments = try await database.shipments(forOrder: id)
        let names = try await storeNames()
        // A worker's ship call never waits for the store: labels only from the cache.
        let labels = await connections.statusLabels(storeIds: [result.order.storeId], refresh: false)
        return ShipResponse(
            shipment: FulfillmentWire.shipment(result.shipment),
            order: FulfillmentWire.summary(
                result.order, storeName: names[result.order.storeId], shipments: shipments, labels: labels[result.order.storeId] ?? [:]),
            created: result.created)
    }

    // MARK: Helpers

    private func summary(_ id: Int64) async throws -> OrderSummary {
        guard let order = try await database.order(id: id) else { throw ControlAPIError.notFound("no order with id \(id)") }
        let names = try await storeNames()
        let labels = await connections.statusLabels(storeIds: [order.storeId], refresh: false)
        return FulfillmentWire.summary(
            order, storeName: names[order.storeId], shipments: try await database.shipments(forOrder: id), labels: labels[order.storeId] ?? [:])
    }

    private func storeNames() async throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: try await database.stores().map { ($0.id, $0.name) })
    }

    private func workerName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(name.count), name.allSatisfy({ !$0.isNewline && !$0.isWhitespace || $0 == " " }) else {
            throw ControlAPIError.invalid("a worker name is 1 to 64 printable characters (got '\(raw)')")
        }
        return name
    }

    private func leaseDuration(_ seconds: Int?) throws -> Duration {
        guard let seconds else { return queue.defaultLease }
        let lease = Duration.seconds(seconds)
        guard seconds > 0, lease <= queue.maxLease else {
            throw ControlAPIError.invalid("lease_seconds must be from 1 to \(queue.maxLease.components.seconds) (queue.max_lease); got \(seconds)")
        }
        return lease
    }

    private func numericID(_ context: ControlRequestContext) throws -> Int64 {
        guard let raw = context.parameters.get("id"), let id = Int64(raw), id > 0 else {
            throw ControlAPIError.invalid("the id in the path must be a positive number")
        }
        return id
    }

    private func databaseCall<T: Sendable>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch let error as StorageError {
            throw ControlAPIError(databaseError: error)
        }
    }

    private func queueBody<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body {
        guard let body = try await optionalQueueBody(type, from: request) else {
            throw ControlAPIError.invalid("the request needs a JSON body (\(Body.self))")
        }
        return body
    }

    private func optionalQueueBody<Body: Decodable>(_ type: Body.Type, from request: Request) async throws -> Body? {
        let buffer = try await collectBody(request)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try ControlAPI.makeDecoder().decode(Body.self, from: Data(buffer: buffer))
        } catch {
            throw ControlAPIError.invalid("the request body is not a valid \(Body.self): \(error)")
        }
    }
}

/// Database records → control API wire types.
enum FulfillmentWire {
    /// - Parameter labels: the store's custom status labels by id (``Connections/statusLabels(storeIds:refresh:)``).
    static func summary(
        _ order: FulfillmentOrderRecord, storeName: String?, shipments: [ShipmentRecord], labels: [Int: String] = [:]
    ) -> OrderSummary {
        let physical = order.payload.lines.filter(\.isPhysical)
        let shipped = shippedQuantities(shipments)
        return OrderSummary(
            id: order.id, store: storeName ?? "#\(order.storeId)", storeOrderId: order.externalOrderId, state: order.state.rawValue,
            storeStatusId: order.storeStatusId, storeStatus: ImportStatusResolver.info(for: order.storeStatusId).name,
            holdReason: order.holdReason, claimedBy: order.claimedBy, leaseExpiresAt: order.leaseExpiresAt,
            changedAfterClaim: order.changedAfterClaim, cancelledInStore: order.cancelledInStore,
            quantity: physical.map(\.quantity).reduce(0, +),
            quantityShipped: physical.map { min($0.quantity, shipped[$0.lineID] ?? 0) }.reduce(0, +),
            createdAt: order.createdAt, updatedAt: order.updatedAt, storeStatusLabel: labels[order.storeStatusId])
    }

    /// What the warehouse picks for an order and under which service code, with `rules`: the
    /// one resolution both `queue claim` and `orders show` use, so the two never disagree.
    static func warehousePick(_ payload: OrderPayload, rules: ResolutionRules) -> (lines: [WarehouseLineInfo], serviceCode: String?) {
        let resolution = SKUResolver.resolve(payload, rules: rules)
        return (
            resolution.lines.map { WarehouseLineInfo(lineId: $0.lineID, sku: $0.storeSKU, warehouseSku: $0.warehouseSKU, quantity: $0.quantity) },
            resolution.serviceCode)
    }

    /// The rules for `payload`'s physical SKUs and its shipping method that were set after
    /// `importedAt`, oldest first. A removed rule leaves no row, so it cannot be listed here.
    static func ruleChanges(
        for payload: OrderPayload, since importedAt: Date, skuRules: [SKURuleRecord], shippingRules: [ShippingRuleRecord]
    ) -> [RuleChangeInfo] {
        let skus = Set(payload.lines.filter(\.isPhysical).compactMap(\.sku))
        var changes = skuRules.filter { skus.contains($0.storeSku) && $0.updatedAt > importedAt }
            .map { RuleChangeInfo(kind: "sku", key: $0.storeSku, changedAt: $0.updatedAt) }
        if let method = payload.shippingMethod {
            let key = ResolutionRules.methodKey(method)
            changes += shippingRules
                .filter { ResolutionRules.methodKey($0.storeMethod) == key && $0.updatedAt > importedAt }
                .map { RuleChangeInfo(kind: "shipping", key: $0.storeMethod, changedAt: $0.updatedAt) }
        }
        return changes.sorted { $0.changedAt < $1.changedAt }
    }

    static func shippedQuantities(_ shipments: [ShipmentRecord]) -> [String: Int] {
        shipments.flatMap(\.items).reduce(into: [:]) { $0[$1.lineID, default: 0] += $1.quantity }
    }

    static func line(_ line: OrderLine, shipped: Int) -> OrderLineInfo {
        OrderLineInfo(lineId: line.lineID, sku: line.sku, name: line.name, quantity: line.quantity,
                      quantityShipped: shipped, isPhysical: line.isPhysical)
    }

    static func address(_ address: ShippingAddress) -> AddressInfo {
        AddressInfo(
            addressId: address.addressID, firstName: address.firstName, lastName: address.lastName, company: address.company,
            street1: address.street1, street2: address.street2, city: address.city, state: address.state, zip: address.zip,
            country: address.country, countryIso2: address.countryISO2, phone: address.phone, email: address.email)
    }

    static func shipment(_ shipment: ShipmentRecord) -> ShipmentInfo {
        ShipmentInfo(
            id: shipment.id, orderId: shipment.orderId, state: shipment.state.rawValue, trackingNumber: shipment.trackingNumber,
            carrier: shipment.carrier, shippingMethod: shipment.shippingMethod,
            items: shipment.items.map { ShipmentItemInfo(lineId: $0.lineID, quantity: $0.quantity) },
            attempts: shipment.attempts, nextAttemptAt: shipment.nextAttemptAt, storeShipmentId: shipment.externalShipmentId,
            lastError: shipment.lastError, createdAt: shipment.createdAt, updatedAt: shipment.updatedAt)
    }
}
