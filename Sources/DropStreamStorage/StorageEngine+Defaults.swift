import DropStreamCore
import Foundation

// The defaults of the seam's operations. A protocol requirement cannot have default arguments;
// these overloads add them and forward to the requirement (which every engine implements, so the
// forwarding call resolves to the engine's own method, never back to itself).

extension StorageEngine {
    public func checkHealth() async throws { try await checkHealth(now: Date()) }

    @discardableResult
    public func addStore(
        name: String, platform: Platform, storeHash: String, importStatusID: Int = defaultImportStatusID,
        claimStatusID: Int? = nil, actor: String = "operator", now: Date = Date()
    ) async throws -> StoreRecord {
        try await addStore(
            name: name, platform: platform, storeHash: storeHash, importStatusID: importStatusID,
            claimStatusID: claimStatusID, actor: actor, now: now)
    }

    public func stores(state: StoreState? = nil) async throws -> [StoreRecord] {
        try await stores(state: state)
    }

    @discardableResult
    public func setStoreState(
        _ storeId: Int64, to state: StoreState, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        try await setStoreState(storeId, to: state, event: event, now: now)
    }

    @discardableResult
    public func setImportStatus(
        _ storeId: Int64, statusID: Int, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        try await setImportStatus(storeId, statusID: statusID, event: event, now: now)
    }

    @discardableResult
    public func setClaimStatus(
        _ storeId: Int64, statusID: Int?, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        try await setClaimStatus(storeId, statusID: statusID, event: event, now: now)
    }

    @discardableResult
    public func setPollInterval(_ storeId: Int64, seconds: Int?, now: Date = Date()) async throws -> StoreRecord {
        try await setPollInterval(storeId, seconds: seconds, now: now)
    }

    @discardableResult
    public func completeAuthorization(
        storeId: Int64, ciphertext: Data, nonce: Data, keyID: String = "default", now: Date = Date()
    ) async throws -> StoreRecord {
        try await completeAuthorization(storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
    }

    @discardableResult
    public func disconnectStore(
        _ storeId: Int64, event: StoreEventInput = StoreEventInput(kind: "disconnected", actor: "operator"),
        now: Date = Date()
    ) async throws -> StoreRecord {
        try await disconnectStore(storeId, event: event, now: now)
    }

    public func removeStore(_ storeId: Int64, force: Bool = false) async throws {
        try await removeStore(storeId, force: force)
    }

    public func saveCredential(
        storeId: Int64, ciphertext: Data, nonce: Data, keyID: String = "default", now: Date = Date()
    ) async throws {
        try await saveCredential(storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
    }

    public func recordStoreEvent(_ storeId: Int64, _ event: StoreEventInput, now: Date = Date()) async throws {
        try await recordStoreEvent(storeId, event, now: now)
    }

    public func storeEvents(storeId: Int64, limit: Int = 50) async throws -> [StoreEventRecord] {
        try await storeEvents(storeId: storeId, limit: limit)
    }

    public func upsertImportedOrder(
        storeId: Int64, _ order: ImportedOrder, unmappedShipping: UnmappedShippingPolicy = .pass, now: Date = Date()
    ) async throws -> UpsertResult {
        try await upsertImportedOrder(storeId: storeId, order, unmappedShipping: unmappedShipping, now: now)
    }

    @discardableResult
    public func cancelOrder(
        storeId: Int64, _ cancellation: StoreSideCancellation, now: Date = Date()
    ) async throws -> CancellationResult {
        try await cancelOrder(storeId: storeId, cancellation, now: now)
    }

    @discardableResult
    public func commitPass(
        storeId: Int64, kind: SyncPassKind, upserts: [ImportedOrder], cancellations: [StoreSideCancellation] = [],
        watermark: Date?, unmappedShipping: UnmappedShippingPolicy = .pass, now: Date = Date()
    ) async throws -> PassCounts {
        try await commitPass(
            storeId: storeId, kind: kind, upserts: upserts, cancellations: cancellations, watermark: watermark,
            unmappedShipping: unmappedShipping, now: now)
    }

    public func startSyncRun(storeId: Int64, kind: SyncPassKind, now: Date = Date()) async throws -> SyncRunRecord {
        try await startSyncRun(storeId: storeId, kind: kind, now: now)
    }

    @discardableResult
    public func finishSyncRun(_ runId: Int64, _ result: SyncRunResult, now: Date = Date()) async throws
        -> SyncRunRecord
    {
        try await finishSyncRun(runId, result, now: now)
    }

    public func syncRuns(storeId: Int64, limit: Int = 20) async throws -> [SyncRunRecord] {
        try await syncRuns(storeId: storeId, limit: limit)
    }

    public func recordOrderEvent(
        _ orderId: Int64, kind: OrderEventKind, actor: EventActor, detail: [String: String]? = nil, now: Date = Date()
    ) async throws {
        try await recordOrderEvent(orderId, kind: kind, actor: actor, detail: detail, now: now)
    }

    public func orders(
        store storeId: Int64? = nil, state: OrderState? = nil, since: Date? = nil, limit: Int = 100
    ) async throws -> [FulfillmentOrderRecord] {
        try await orders(store: storeId, state: state, since: since, limit: limit)
    }

    public func claim(
        limit: Int, worker: String, lease: Duration, storeId: Int64? = nil, now: Date = Date()
    ) async throws -> [FulfillmentOrderRecord] {
        try await claim(limit: limit, worker: worker, lease: lease, storeId: storeId, now: now)
    }

    public func extendLeases(
        orderIds: [Int64], worker: String, lease: Duration, now: Date = Date()
    ) async throws -> [FulfillmentOrderRecord] {
        try await extendLeases(orderIds: orderIds, worker: worker, lease: lease, now: now)
    }

    @discardableResult
    public func rescueExpiredLeases(now: Date = Date()) async throws -> [FulfillmentOrderRecord] {
        try await rescueExpiredLeases(now: now)
    }

    @discardableResult
    public func release(
        _ orderId: Int64, worker: String? = nil, actor: EventActor, now: Date = Date()
    ) async throws -> FulfillmentOrderRecord {
        try await release(orderId, worker: worker, actor: actor, now: now)
    }

    @discardableResult
    public func hold(
        _ orderId: Int64, reason: String, actor: EventActor, now: Date = Date()
    ) async throws -> FulfillmentOrderRecord {
        try await hold(orderId, reason: reason, actor: actor, now: now)
    }

    @discardableResult
    public func unhold(_ orderId: Int64, actor: EventActor, now: Date = Date()) async throws -> FulfillmentOrderRecord {
        try await unhold(orderId, actor: actor, now: now)
    }

    public func confirmShipment(
        _ orderId: Int64, trackingNumber: String, carrier: String, shippingMethod: String? = nil,
        items: [ShipmentItem]? = nil, idempotencyKey: String? = nil, worker: String? = nil, force: Bool = false,
        actor: EventActor, now: Date = Date()
    ) async throws -> ShipmentConfirmationResult {
        try await confirmShipment(
            orderId, trackingNumber: trackingNumber, carrier: carrier, shippingMethod: shippingMethod, items: items,
            idempotencyKey: idempotencyKey, worker: worker, force: force, actor: actor, now: now)
    }

    @discardableResult
    public func ship(
        _ orderId: Int64, _ confirmation: ShipmentConfirmation, worker: String? = nil, completesOrder: Bool = true,
        force: Bool = false, actor: EventActor, now: Date = Date()
    ) async throws -> ShipmentRecord {
        try await ship(
            orderId, confirmation, worker: worker, completesOrder: completesOrder, force: force, actor: actor, now: now)
    }

    public func shipmentsToPush(now: Date = Date(), limit: Int = 50) async throws -> [ShipmentRecord] {
        try await shipmentsToPush(now: now, limit: limit)
    }

    @discardableResult
    public func markShipmentPushing(_ shipmentId: Int64, now: Date = Date()) async throws -> ShipmentRecord {
        try await markShipmentPushing(shipmentId, now: now)
    }

    @discardableResult
    public func markShipmentDelivered(
        _ shipmentId: Int64, externalShipmentId: String, now: Date = Date()
    ) async throws -> ShipmentRecord {
        try await markShipmentDelivered(shipmentId, externalShipmentId: externalShipmentId, now: now)
    }

    @discardableResult
    public func markShipmentFailed(
        _ shipmentId: Int64, error: String, retryAt: Date?, now: Date = Date()
    ) async throws -> ShipmentRecord {
        try await markShipmentFailed(shipmentId, error: error, retryAt: retryAt, now: now)
    }

    @discardableResult
    public func retryShipment(_ shipmentId: Int64, now: Date = Date()) async throws -> ShipmentRecord {
        try await retryShipment(shipmentId, now: now)
    }

    public func storeStatusChangesDue(now: Date = Date(), limit: Int = 200) async throws -> [StoreStatusChangeRecord] {
        try await storeStatusChangesDue(now: now, limit: limit)
    }

    public func beginStoreStatusChange(_ changeId: Int64, now: Date = Date()) async throws -> StoreStatusChangeWork? {
        try await beginStoreStatusChange(changeId, now: now)
    }

    @discardableResult
    public func finishStoreStatusChange(
        _ changeId: Int64, _ result: StoreStatusChangeResult, detail: [String: String] = [:], now: Date = Date()
    ) async throws -> StoreStatusChangeRecord {
        try await finishStoreStatusChange(changeId, result, detail: detail, now: now)
    }

    @discardableResult
    public func setSKURule(
        storeId: Int64, storeSKU: String, _ target: SKURuleTarget, now: Date = Date()
    ) async throws -> SKURuleRecord {
        try await setSKURule(storeId: storeId, storeSKU: storeSKU, target, now: now)
    }

    @discardableResult
    public func setShippingRule(
        storeId: Int64, storeMethod: String, serviceCode: String, now: Date = Date()
    ) async throws -> ShippingRuleRecord {
        try await setShippingRule(storeId: storeId, storeMethod: storeMethod, serviceCode: serviceCode, now: now)
    }

    public func resolutionRules(
        storeId: Int64, unmappedShipping: UnmappedShippingPolicy = .pass
    ) async throws -> ResolutionRules {
        try await resolutionRules(storeId: storeId, unmappedShipping: unmappedShipping)
    }

    @discardableResult
    public func reevaluateHeldOrders(
        storeId: Int64?, unmappedShipping: UnmappedShippingPolicy = .pass, actor: EventActor, now: Date = Date()
    ) async throws -> ReevaluationResult {
        try await reevaluateHeldOrders(storeId: storeId, unmappedShipping: unmappedShipping, actor: actor, now: now)
    }

    @discardableResult
    public func seedOrderHistory(
        storeId: Int64, count: Int, shipped: Int, payload: OrderPayload, storeStatusId: Int = 11,
        firstExternalId: Int = 1, now: Date = Date(), batchSize: Int = 10_000
    ) async throws -> Int {
        try await seedOrderHistory(
            storeId: storeId, count: count, shipped: shipped, payload: payload, storeStatusId: storeStatusId,
            firstExternalId: firstExternalId, now: now, batchSize: batchSize)
    }
}
