import BigCommerceAPI
import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import ServiceLifecycle

/// Delivers the warehouse's shipments to the stores (DESIGN §2 flow 7, issue 6).
///
/// Every `interval` it takes the due shipments, one task per store (a slow store never holds up
/// another), and for each: `POST /v2/orders/{id}/shipments` with the order's `order_address_id`,
/// the line ids and the tracking number.
///
/// Idempotent towards the store: a shipment that was ever attempted before (`attempts > 0`, or
/// left `pushing` by a crash) is first looked for among the order's existing shipments (same
/// tracking number and items) and adopted if found. After an ambiguous failure (timeout, reset,
/// 5xx after sending) the pusher looks at once, and if the shipment is not there yet it waits a
/// back-off and looks again before any new POST: so the store never gets two shipments for one
/// confirmation. A store refusal (4xx) marks the shipment `failed` with the store's reason, for
/// the operator to fix and retry; a 401 marks the store `needs_reauthorization` and its
/// shipments wait.
///
/// It also sends the store status changes of the claim flip (`storeStatusChange`, see
/// the storage engine): each store's due changes first, then its shipments, one
/// request at a time. Because one sequence per store carries both, a flip that is under way
/// is answered before that order's shipment is posted, and a flip is never begun once the
/// order has a shipment: the store never goes back to the claim status after a shipment.
/// A change reads the order first and is made only from the status it expects (so an order the
/// merchant cancelled meanwhile is left alone): a GET and at most one PUT per change.
struct ShipmentPusher: Service {
    static let loopName = "shipment-pusher"

    struct Settings: Sendable {
        var interval: Duration
        var retryDelay: Duration
        var maxRetryDelay: Duration
        var maxAttempts: Int
        var batchSize = 200
    }

    /// How one shipment's push ended (for tests and logs).
    enum Outcome: Equatable, Sendable {
        /// The store created it.
        case delivered(storeShipmentId: Int)
        /// It was already in the store (an earlier, ambiguous attempt landed): adopted, not sent again.
        case adopted(storeShipmentId: Int)
        /// A transient failure; tried again after a back-off.
        case willRetry(String)
        /// The store refused it, or retries ran out: `failed` until an operator retries it.
        case failed(String)
        /// The store cannot be talked to now (not authorized, disconnected): waits.
        case deferred(String)
    }

    let database: any StorageEngine
    let health: HealthMonitor
    let settings: Settings
    /// A client for an authorized store (the daemon's ``Connections/client(for:)``).
    let makeClient: @Sendable (StoreRecord) async throws -> BigCommerceClient
    let logger: Logger
    var now: @Sendable () -> Date = Date.init
    var metrics: MetricsRegistry? = nil

    func run() async throws {
        await health.register(loop: Self.loopName)
        defer { Task { [health] in await health.unregister(loop: Self.loopName) } }
        try? await cancelWhenGracefulShutdown {
            while true {
                _ = await pushDue()
                await health.reportProgress(loop: Self.loopName)
                try await Task.sleep(for: settings.interval)
            }
        }
    }

    /// One store's work for a round: its due status changes, then its due shipments.
    private struct StoreWork {
        var changes: [StoreStatusChangeRecord] = []
        var shipments: [(ShipmentRecord, FulfillmentOrderRecord)] = []
    }

    /// One round: sends every due store status change and pushes every due shipment, stores in
    /// parallel, each store's one at a time (changes first). Returns the shipments' outcomes.
    func pushDue() async -> [Int64: Outcome] {
        var byStore: [Int64: StoreWork] = [:]
        // Changes are read before shipments: a shipment confirmed in between finds its order's
        // flip still listed, and beginStoreStatusChange then drops it without a request.
        do {
            for change in try await database.storeStatusChangesDue(now: now(), limit: settings.batchSize) {
                guard let order = try? await database.order(id: change.orderId) else { continue }
                byStore[order.storeId, default: StoreWork()].changes.append(change)
            }
        } catch {
            logger.error("cannot read the store status changes to send", metadata: ["error": "\(error)"])
        }
        do {
            for shipment in try await database.shipmentsToPush(now: now(), limit: settings.batchSize) {
                guard let order = try? await database.order(id: shipment.orderId) else { continue }
                byStore[order.storeId, default: StoreWork()].shipments.append((shipment, order))
            }
        } catch {
            logger.error("cannot read the shipments to push", metadata: ["error": "\(error)"])
        }
        guard !byStore.isEmpty else { return [:] }
        return await withTaskGroup(of: [Int64: Outcome].self) { group in
            for (storeId, work) in byStore {
                group.addTask { await pushStore(storeId, work) }
            }
            var outcomes: [Int64: Outcome] = [:]
            for await partial in group { outcomes.merge(partial) { $1 } }
            return outcomes
        }
    }

    private func pushStore(_ storeId: Int64, _ work: StoreWork) async -> [Int64: Outcome] {
        var outcomes: [Int64: Outcome] = [:]
        let store = try? await database.store(id: storeId)
        var client: BigCommerceClient?
        var unavailable: String?
        if let store, store.state == .active || store.state == .paused {
            do {
                client = try await makeClient(store)
            } catch {
                unavailable = "no client for store '\(store.name)': \(error)"
            }
        } else {
            unavailable = store.map { "store '\($0.name)' is \($0.state.rawValue); its shipments wait until it is connected again" }
                ?? "the order's store no longer exists"
        }
        for change in work.changes {
            if Task.isCancelled { return outcomes }
            let outcome: StatusChangeOutcome
            if let client, let store {
                outcome = await send(change, store: store, client: client)
            } else {
                outcome = await record(change, .deferred(unavailable ?? "store unavailable"))
            }
            await health.reportProgress(loop: Self.loopName)
            if case .deferred(let reason) = outcome { client = nil; unavailable = reason }
        }
        for (shipment, order) in work.shipments {
            if Task.isCancelled { break }
            let outcome: Outcome
            if let client, let store {
                outcome = await push(shipment, order: order, store: store, client: client)
            } else {
                outcome = await record(shipment, .deferred(unavailable ?? "store unavailable"))
            }
            outcomes[shipment.id] = outcome
            await health.reportProgress(loop: Self.loopName)
            // A 401 defers the rest of this store's shipments without asking the store again.
            if case .deferred(let reason) = outcome { client = nil; unavailable = reason }
        }
        return outcomes
    }

    /// Pushes one shipment and records the outcome.
    func push(_ shipment: ShipmentRecord, order: FulfillmentOrderRecord, store: StoreRecord, client: BigCommerceClient) async -> Outcome {
        let metadata: Logger.Metadata = [
            "store": .string(store.name), "order_id": .stringConvertible(order.id),
            "store_order_id": .string(order.externalOrderId), "shipment_id": .stringConvertible(shipment.id),
        ]
        let request: (orderID: Int, body: NewShipment)
        switch Self.storeRequest(for: shipment, order: order) {
        case .success(let built): request = built
        case .failure(let problem): return await record(shipment, .failed(problem.message), metadata: metadata)
        }

        // Anything attempted before may already be in the store: look before sending again.
        if shipment.attempts > 0 || shipment.state == .pushing {
            do {
                if let existing = try await Self.matching(shipment, in: client.shipments(orderID: request.orderID)) {
                    return await record(shipment, .adopted(storeShipmentId: existing.id), metadata: metadata)
                }
            } catch {
                return await record(shipment, await classify(error, store: store, attempts: shipment.attempts), metadata: metadata)
            }
        }

        let attempt: ShipmentRecord
        do {
            attempt = try await database.markShipmentPushing(shipment.id, now: now())
        } catch {
            logger.error("cannot mark a shipment as pushing", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return .willRetry("\(error)")
        }
        do {
            let created = try await client.createShipment(orderID: request.orderID, request.body)
            return await record(attempt, .delivered(storeShipmentId: created.id), metadata: metadata)
        } catch is CancellationError {
            // Shutting down mid-request: left `pushing`, so the next start looks before sending.
            return .willRetry("cancelled")
        } catch {
            if Self.mayHaveLanded(error) {
                logger.warning("shipment outcome unknown; looking for it in the store", metadata: metadata.merging(["error": "\(error)"]) { $1 })
                if let existing = try? await Self.matching(attempt, in: client.shipments(orderID: request.orderID)) {
                    return await record(attempt, .adopted(storeShipmentId: existing.id), metadata: metadata)
                }
            }
            return await record(attempt, await classify(error, store: store, attempts: attempt.attempts), metadata: metadata)
        }
    }

    // MARK: Store status changes (the claim flip)

    /// How one store status change ended (for logs and metrics).
    enum StatusChangeOutcome: Equatable, Sendable {
        /// The store shows the target status; `requestSent` is false when it already did.
        case done(requestSent: Bool)
        /// The store showed another status than expected: left alone.
        case skipped(storeStatusId: Int)
        /// Made moot before it was sent (shipment confirmed, claim ended, setting changed).
        case superseded
        /// A transient failure; tried again after a back-off.
        case willRetry(String)
        /// The store cannot be talked to now: waits.
        case deferred(String)
        /// The store refused it, or retries ran out.
        case failed(String)

        /// The `result` label of `dropstream_store_status_changes_total`.
        var metricsLabel: String {
            switch self {
            case .done(let sent): sent ? "set" : "already"
            case .skipped: "skipped"
            case .superseded: "superseded"
            case .willRetry: "retry"
            case .deferred: "deferred"
            case .failed: "failed"
            }
        }
    }

    /// Sends one change: re-checks it is wanted (and marks it `sending`), reads the order's
    /// status, and sets the target only from the expected status.
    func send(_ change: StoreStatusChangeRecord, store: StoreRecord, client: BigCommerceClient) async -> StatusChangeOutcome {
        var metadata: Logger.Metadata = [
            "store": .string(store.name), "order_id": .stringConvertible(change.orderId),
            "change_id": .stringConvertible(change.id), "purpose": .string(change.purpose.rawValue),
        ]
        let work: StoreStatusChangeWork?
        do {
            work = try await database.beginStoreStatusChange(change.id, now: now())
        } catch {
            logger.error("cannot begin a store status change", metadata: metadata.merging(["error": "\(error)"]) { $1 })
            return .willRetry("\(error)")
        }
        guard let work else {
            metrics?.increment(DaemonMetrics.storeStatusChanges, [("purpose", change.purpose.rawValue), ("result", "superseded")])
            logger.debug("store status change no longer wanted", metadata: metadata)
            return .superseded
        }
        metadata["store_order_id"] = .string(work.order.externalOrderId)
        guard let orderID = Int(work.order.externalOrderId) else {
            return await record(work.change, .failed("the store order id '\(work.order.externalOrderId)' is not a BigCommerce order number"), metadata: metadata)
        }
        let target = work.change.targetStatusId
        do {
            let current = try await client.order(id: orderID, includeConsignmentLineItems: false)
            if current.statusID == target {
                return await record(work.change, .done(requestSent: false), metadata: metadata)
            }
            guard current.statusID == work.change.expectedStatusId else {
                return await record(work.change, .skipped(storeStatusId: current.statusID), metadata: metadata)
            }
            // Last look before changing the store: a shipment confirmed (or the claim ended)
            // while the order was read makes the change moot.
            guard try await database.isStoreStatusChangeSending(work.change.id) else {
                metrics?.increment(DaemonMetrics.storeStatusChanges, [("purpose", change.purpose.rawValue), ("result", "superseded")])
                return .superseded
            }
            _ = try await client.updateOrderStatus(orderID: orderID, statusID: target)
            return await record(work.change, .done(requestSent: true), metadata: metadata)
        } catch is CancellationError {
            // Shutting down: left `sending`; the next start reads the store again first.
            return .willRetry("cancelled")
        } catch {
            return await record(work.change, await classifyStatusChange(error, store: store, attempts: work.change.attempts), metadata: metadata)
        }
    }

    private func classifyStatusChange(_ error: any Error, store: StoreRecord, attempts: Int) async -> StatusChangeOutcome {
        if let error = error as? BigCommerceError {
            switch error {
            case .unauthorized:
                _ = try? await database.setStoreState(store.id, to: .needsReauthorization, event: StoreEventInput(
                    kind: "needs_reauthorization", actor: "pusher", detail: ["reason": "401 setting an order status"]))
                logger.error("the store refused our token; it needs re-authorization", metadata: ["store": .string(store.name)])
                return .deferred("store '\(store.name)' refused our token (401); run 'dropstreamctl store authorize \(store.name)'")
            case .forbidden, .notFound, .rejected:
                return .failed("the store refused the status change: \(error)")
            case .ambiguous, .decoding, .invalidResponse, .server, .transport, .rateLimited:
                break
            }
        }
        if attempts >= settings.maxAttempts {
            return .failed("gave up after \(attempts) attempts; last error: \(error)")
        }
        return .willRetry("\(error)")
    }

    /// Writes a change's outcome to the database (with its order event) and logs it.
    private func record(_ change: StoreStatusChangeRecord, _ outcome: StatusChangeOutcome, metadata: Logger.Metadata = [:]) async -> StatusChangeOutcome {
        let at = now()
        metrics?.increment(DaemonMetrics.storeStatusChanges, [("purpose", change.purpose.rawValue), ("result", outcome.metricsLabel)])
        let target = Self.statusLabel(change.targetStatusId)
        let detail = ["status": target, "expected": Self.statusLabel(change.expectedStatusId)]
        do {
            switch outcome {
            case .done(let requestSent):
                try await database.finishStoreStatusChange(change.id, .done(requestSent: requestSent), detail: detail, now: at)
                let what = change.purpose == .claim ? "store status set to \(target)" : "store status put back to \(target)"
                logger.info(requestSent ? "\(what)" : "\(what) (it already was)", metadata: metadata)
            case .skipped(let storeStatusId):
                try await database.finishStoreStatusChange(change.id, .skipped(storeStatusId: storeStatusId), detail: detail, now: at)
                logger.notice("store status left alone: the store shows \(Self.statusLabel(storeStatusId)), not \(Self.statusLabel(change.expectedStatusId))",
                              metadata: metadata)
            case .superseded:
                break
            case .willRetry(let reason):
                let wait = backoff(afterAttempts: max(1, change.attempts))
                try await database.finishStoreStatusChange(change.id, .retry(error: reason, at: at.addingTimeInterval(wait.seconds)), now: at)
                logger.warning("store status change failed; will retry", metadata: metadata.merging(["error": .string(reason), "retry_in": .string(wait.humanDescription)]) { $1 })
            case .deferred(let reason):
                let wait = min(settings.maxRetryDelay, .seconds(60))
                try await database.finishStoreStatusChange(change.id, .retry(error: reason, at: at.addingTimeInterval(wait.seconds)), now: at)
                logger.warning("store status change deferred", metadata: metadata.merging(["error": .string(reason)]) { $1 })
            case .failed(let reason):
                try await database.finishStoreStatusChange(change.id, .failed(error: reason), detail: detail, now: at)
                logger.error("store status change failed; the order's history says why", metadata: metadata.merging(["error": .string(reason)]) { $1 })
            }
        } catch {
            logger.error("cannot record a store status change outcome", metadata: metadata.merging(["error": "\(error)", "outcome": "\(outcome)"]) { $1 })
        }
        return outcome
    }

    /// `Awaiting Shipment (9)`.
    static func statusLabel(_ id: Int) -> String {
        "\(ImportStatusResolver.info(for: id).name) (\(id))"
    }

    // MARK: Decisions

    /// Whether a failed POST may nevertheless have created the shipment.
    static func mayHaveLanded(_ error: any Error) -> Bool {
        guard let error = error as? BigCommerceError else { return true }
        switch error {
        case .ambiguous, .decoding, .invalidResponse, .server, .transport: return true
        case .unauthorized, .forbidden, .notFound, .rateLimited, .rejected: return false
        }
    }

    /// What to do after a failure, given how many attempts were made.
    private func classify(_ error: any Error, store: StoreRecord, attempts: Int) async -> Outcome {
        if let error = error as? BigCommerceError {
            switch error {
            case .unauthorized:
                _ = try? await database.setStoreState(store.id, to: .needsReauthorization, event: StoreEventInput(
                    kind: "needs_reauthorization", actor: "pusher", detail: ["reason": "401 pushing a shipment"]))
                logger.error("the store refused our token; it needs re-authorization", metadata: ["store": .string(store.name)])
                return .deferred("store '\(store.name)' refused our token (401); run 'dropstreamctl store authorize \(store.name)'")
            case .forbidden, .notFound, .rejected:
                return .failed("the store refused the shipment: \(error)")
            case .ambiguous, .decoding, .invalidResponse, .server, .transport, .rateLimited:
                break
            }
        }
        if attempts >= settings.maxAttempts {
            return .failed("gave up after \(attempts) attempts; last error: \(error)")
        }
        return .willRetry("\(error)")
    }

    /// Writes the outcome to the database and logs it.
    private func record(_ shipment: ShipmentRecord, _ outcome: Outcome, metadata: Logger.Metadata = [:]) async -> Outcome {
        let at = now()
        metrics?.increment(DaemonMetrics.shipmentsPushed, [("result", outcome.metricsLabel)])
        do {
            switch outcome {
            case .delivered(let id):
                try await database.markShipmentDelivered(shipment.id, externalShipmentId: String(id), now: at)
                logger.notice("shipment delivered to the store", metadata: metadata.merging(["store_shipment_id": .stringConvertible(id)]) { $1 })
            case .adopted(let id):
                try await database.markShipmentDelivered(shipment.id, externalShipmentId: String(id), now: at)
                logger.notice("shipment was already in the store (an earlier attempt landed); adopted it instead of sending again",
                              metadata: metadata.merging(["store_shipment_id": .stringConvertible(id)]) { $1 })
            case .willRetry(let reason):
                let wait = backoff(afterAttempts: max(1, shipment.attempts))
                try await database.markShipmentFailed(shipment.id, error: reason, retryAt: at.addingTimeInterval(wait.seconds), now: at)
                logger.warning("shipment push failed; will retry", metadata: metadata.merging(["error": .string(reason), "retry_in": .string(wait.humanDescription)]) { $1 })
            case .deferred(let reason):
                let wait = min(settings.maxRetryDelay, .seconds(60))
                try await database.markShipmentFailed(shipment.id, error: reason, retryAt: at.addingTimeInterval(wait.seconds), now: at)
                logger.warning("shipment push deferred", metadata: metadata.merging(["error": .string(reason)]) { $1 })
            case .failed(let reason):
                try await database.markShipmentFailed(shipment.id, error: reason, retryAt: nil, now: at)
                logger.error("shipment failed; 'dropstreamctl shipments retry \(shipment.id)' sends it again once fixed",
                             metadata: metadata.merging(["error": .string(reason)]) { $1 })
            }
        } catch {
            logger.error("cannot record a shipment outcome", metadata: metadata.merging(["error": "\(error)", "outcome": "\(outcome)"]) { $1 })
        }
        return outcome
    }

    /// `retry_delay · 2^(attempts-1)`, capped at `max_retry_delay`, then 50–100 % of it.
    func backoff(afterAttempts attempts: Int) -> Duration {
        let exponent = min(max(attempts - 1, 0), 20)
        let full = min(settings.retryDelay * (1 << exponent), settings.maxRetryDelay)
        return full * Double.random(in: 0.5...1.0)
    }

    // MARK: The store's view

    struct RequestProblem: Error { var message: String }

    /// The store request for a shipment: order id, address id and line ids as numbers.
    static func storeRequest(for shipment: ShipmentRecord, order: FulfillmentOrderRecord) -> Result<(orderID: Int, body: NewShipment), RequestProblem> {
        guard let orderID = Int(order.externalOrderId) else {
            return .failure(RequestProblem(message: "the store order id '\(order.externalOrderId)' is not a BigCommerce order number"))
        }
        guard let addressText = order.payload.shippingAddress?.addressID, let addressID = Int(addressText) else {
            return .failure(RequestProblem(message: "order \(order.id) has no store shipping address id to ship to"))
        }
        var items: [BigCommerceAPI.ShipmentItem] = []
        for item in shipment.items {
            guard let lineID = Int(item.lineID) else {
                return .failure(RequestProblem(message: "line id '\(item.lineID)' is not a BigCommerce order product id"))
            }
            items.append(BigCommerceAPI.ShipmentItem(orderProductID: lineID, quantity: item.quantity))
        }
        let (provider, trackingCarrier) = carrierFields(shipment.carrier)
        return .success((orderID, NewShipment(
            orderAddressID: addressID, items: items, trackingNumber: shipment.trackingNumber,
            shippingProvider: provider, trackingCarrier: trackingCarrier, shippingMethod: shipment.shippingMethod)))
    }

    /// BigCommerce's own shipping providers go in `shipping_provider` (tracking links and the
    /// provider's name in the customer email); any other carrier goes in `tracking_carrier`.
    static func carrierFields(_ carrier: String) -> (provider: String?, trackingCarrier: String?) {
        let name = carrier.trimmingCharacters(in: .whitespaces).lowercased()
        if knownProviders.contains(name) || name.hasPrefix("carrier_") { return (name, nil) }
        return ("", name)
    }

    static let knownProviders: Set<String> = [
        "auspost", "canadapost", "endicia", "usps", "fedex", "royalmail", "ups", "upsready", "upsonline", "shipperhq",
    ]

    /// The store shipment that is this one: same tracking number, same lines and quantities.
    static func matching(_ shipment: ShipmentRecord, in existing: [Shipment]) -> Shipment? {
        let ours = shipment.items.map { "\($0.lineID):\($0.quantity)" }.sorted()
        return existing.first { candidate in
            candidate.trackingNumber == shipment.trackingNumber
                && candidate.items.map { "\($0.orderProductID):\($0.quantity)" }.sorted() == ours
        }
    }
}

extension Duration {
    var seconds: TimeInterval { timeInterval }
}

extension ShipmentPusher.Outcome {
    /// The `result` label of `dropstream_shipments_pushed_total`.
    var metricsLabel: String {
        switch self {
        case .delivered: "delivered"
        case .adopted: "adopted"
        case .willRetry: "retry"
        case .deferred: "deferred"
        case .failed: "failed"
        }
    }
}
