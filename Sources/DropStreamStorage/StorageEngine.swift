import DropStreamCore
import Foundation

/// The storage seam (DESIGN §10): everything the daemon keeps, behind intention-named operations.
///
/// One module per engine holds all of that engine's SQL and conforms to this protocol — SQLite
/// (`DropStreamSQLite`, the default) and PostgreSQL — the shape of Oban's `Oban.Engine` with its
/// `Lite` and `Basic` engines. Nothing above the seam knows which engine runs. Every engine keeps
/// the same invariants: each write is one transaction, every order state transition writes its
/// `orderEvent` in that transaction, and the schema itself refuses what must never happen.
///
/// Requirements take every argument; `StorageEngine+Defaults.swift` gives the defaults
/// (`now: Date()`, limits), so callers read as before.
public protocol StorageEngine: Sendable {
    // MARK: The engine itself

    /// Where the data lives, for messages and `dropstreamctl status`: a file path, or a
    /// PostgreSQL URL without its password.
    var location: String { get }
    /// Which engine this is (`sqlite`, `postgresql`), for status output.
    var engineName: String { get }
    /// The identifiers of every migration this build knows, in order.
    var knownMigrations: [String] { get }
    /// The migrations this database has applied.
    func schemaVersion() async throws -> SchemaVersion
    /// Bytes the data takes on disk (0 when unknown or in memory).
    func sizeOnDisk() async -> Int64
    /// Whether `error` says the storage refuses writes for a reason a restart cannot fix (a full
    /// disk, a read-only file system), as opposed to a wedge.
    func isStorageRefusal(_ error: any Error) -> Bool
    /// Whether `error` says the database cannot be reached (a server restarting or gone), so the
    /// caller should say so and try again later rather than treat it as a wedge.
    func isUnavailable(_ error: any Error) -> Bool
    /// A cheap write probe for the watchdog: commits one tiny row.
    func checkHealth(now: Date) async throws

    // MARK: Stores and credentials

    @discardableResult
    func addStore(
        name: String, platform: Platform, storeHash: String, importStatusID: Int, claimStatusID: Int?,
        actor: String, now: Date
    ) async throws -> StoreRecord
    func store(named name: String) async throws -> StoreRecord?
    func store(id: Int64) async throws -> StoreRecord?
    func store(platform: Platform, storeHash: String) async throws -> StoreRecord?
    func stores(state: StoreState?) async throws -> [StoreRecord]
    @discardableResult
    func setStoreState(_ storeId: Int64, to state: StoreState, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    @discardableResult
    func setImportStatus(_ storeId: Int64, statusID: Int, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    @discardableResult
    func setClaimStatus(_ storeId: Int64, statusID: Int?, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    @discardableResult
    func setPollInterval(_ storeId: Int64, seconds: Int?, now: Date) async throws -> StoreRecord
    /// Saves the sealed token and makes the store `active`, in one transaction.
    @discardableResult
    func completeAuthorization(storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date) async throws
        -> StoreRecord
    /// Drops the credential and marks the store `disconnected`, keeping its orders.
    @discardableResult
    func disconnectStore(_ storeId: Int64, event: StoreEventInput, now: Date) async throws -> StoreRecord
    /// Deletes the store and everything of it; refuses while work is unfinished unless `force`.
    func removeStore(_ storeId: Int64, force: Bool) async throws
    func saveCredential(storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date) async throws
    func credential(for storeId: Int64) async throws -> CredentialRecord?
    @discardableResult
    func deleteCredential(for storeId: Int64) async throws -> Bool
    func recordStoreEvent(_ storeId: Int64, _ event: StoreEventInput, now: Date) async throws
    func storeEvents(storeId: Int64, limit: Int) async throws -> [StoreEventRecord]

    // MARK: Syncing

    /// Inserts or updates one order seen in the import status (idempotent on `dateModified`).
    func upsertImportedOrder(
        storeId: Int64, _ order: ImportedOrder, unmappedShipping: UnmappedShippingPolicy, now: Date
    ) async throws -> UpsertResult
    @discardableResult
    func cancelOrder(storeId: Int64, _ cancellation: StoreSideCancellation, now: Date) async throws
        -> CancellationResult
    /// A pass's upserts, cancellations and new watermark, in one transaction.
    @discardableResult
    func commitPass(
        storeId: Int64, kind: SyncPassKind, upserts: [ImportedOrder], cancellations: [StoreSideCancellation],
        watermark: Date?, unmappedShipping: UnmappedShippingPolicy, now: Date
    ) async throws -> PassCounts
    func syncCursor(for storeId: Int64) async throws -> SyncCursorRecord?
    func knownOrders(storeId: Int64, externalOrderIds: [String]) async throws -> [String: KnownOrder]
    func openExternalOrderIds(storeId: Int64) async throws -> Set<String>
    func startSyncRun(storeId: Int64, kind: SyncPassKind, now: Date) async throws -> SyncRunRecord
    @discardableResult
    func finishSyncRun(_ runId: Int64, _ result: SyncRunResult, now: Date) async throws -> SyncRunRecord
    func syncRuns(storeId: Int64, limit: Int) async throws -> [SyncRunRecord]

    // MARK: Orders and their history

    func recordOrderEvent(
        _ orderId: Int64, kind: OrderEventKind, actor: EventActor, detail: [String: String]?, now: Date
    ) async throws
    func order(id: Int64) async throws -> FulfillmentOrderRecord?
    func order(storeId: Int64, externalOrderId: String) async throws -> FulfillmentOrderRecord?
    func orders(store storeId: Int64?, state: OrderState?, since: Date?, limit: Int) async throws
        -> [FulfillmentOrderRecord]
    func events(forOrder orderId: Int64) async throws -> [OrderEventRecord]

    // MARK: The queue

    /// Hands up to `limit` ready orders to `worker` with a lease, oldest first.
    func claim(limit: Int, worker: String, lease: Duration, storeId: Int64?, now: Date) async throws
        -> [FulfillmentOrderRecord]
    func extendLeases(orderIds: [Int64], worker: String, lease: Duration, now: Date) async throws
        -> [FulfillmentOrderRecord]
    /// Puts every claim whose lease ran out back to `ready`.
    @discardableResult
    func rescueExpiredLeases(now: Date) async throws -> [FulfillmentOrderRecord]
    @discardableResult
    func release(_ orderId: Int64, worker: String?, actor: EventActor, now: Date) async throws
        -> FulfillmentOrderRecord
    @discardableResult
    func hold(_ orderId: Int64, reason: String, actor: EventActor, now: Date) async throws -> FulfillmentOrderRecord
    @discardableResult
    func unhold(_ orderId: Int64, actor: EventActor, now: Date) async throws -> FulfillmentOrderRecord

    // MARK: Shipping

    /// The warehouse's confirmation: a shipment to push, and the order `shipped` (idempotent on the key).
    func confirmShipment(
        _ orderId: Int64, trackingNumber: String, carrier: String, shippingMethod: String?, items: [ShipmentItem]?,
        idempotencyKey: String?, worker: String?, force: Bool, actor: EventActor, now: Date
    ) async throws -> ShipmentConfirmationResult
    @discardableResult
    func ship(
        _ orderId: Int64, _ confirmation: ShipmentConfirmation, worker: String?, completesOrder: Bool, force: Bool,
        actor: EventActor, now: Date
    ) async throws -> ShipmentRecord
    func shipments(forOrders orderIds: [Int64]) async throws -> [Int64: [ShipmentRecord]]
    func shipment(id: Int64) async throws -> ShipmentRecord?
    func shipmentsToPush(now: Date, limit: Int) async throws -> [ShipmentRecord]
    func shipments(forOrder orderId: Int64) async throws -> [ShipmentRecord]
    @discardableResult
    func markShipmentPushing(_ shipmentId: Int64, now: Date) async throws -> ShipmentRecord
    @discardableResult
    func markShipmentDelivered(_ shipmentId: Int64, externalShipmentId: String, now: Date) async throws
        -> ShipmentRecord
    @discardableResult
    func markShipmentFailed(_ shipmentId: Int64, error: String, retryAt: Date?, now: Date) async throws
        -> ShipmentRecord
    @discardableResult
    func retryShipment(_ shipmentId: Int64, now: Date) async throws -> ShipmentRecord

    // MARK: The claim flip's outbox

    func storeStatusChangesDue(now: Date, limit: Int) async throws -> [StoreStatusChangeRecord]
    func storeStatusChanges(forOrder orderId: Int64) async throws -> [StoreStatusChangeRecord]
    /// Marks a due change `sending` and returns what its request needs, or nil when it is no longer due.
    func beginStoreStatusChange(_ changeId: Int64, now: Date) async throws -> StoreStatusChangeWork?
    func isStoreStatusChangeSending(_ changeId: Int64) async throws -> Bool
    @discardableResult
    func finishStoreStatusChange(
        _ changeId: Int64, _ result: StoreStatusChangeResult, detail: [String: String], now: Date
    ) async throws -> StoreStatusChangeRecord

    // MARK: SKU rules, shipping rules, the catalog

    @discardableResult
    func setSKURule(storeId: Int64, storeSKU: String, _ target: SKURuleTarget, now: Date) async throws
        -> SKURuleRecord
    func skuRules(storeId: Int64) async throws -> [SKURuleRecord]
    @discardableResult
    func removeSKURule(storeId: Int64, storeSKU: String) async throws -> Bool
    @discardableResult
    func setShippingRule(storeId: Int64, storeMethod: String, serviceCode: String, now: Date) async throws
        -> ShippingRuleRecord
    func shippingRules(storeId: Int64) async throws -> [ShippingRuleRecord]
    @discardableResult
    func removeShippingRule(storeId: Int64, storeMethod: String) async throws -> Bool
    /// Replaces the whole warehouse catalog; returns the number of items.
    @discardableResult
    func replaceCatalog(_ items: [CatalogItemRecord]) async throws -> Int
    func catalogSKUs() async throws -> Set<String>
    func catalogItems() async throws -> [CatalogItemRecord]
    func resolutionRules(storeId: Int64, unmappedShipping: UnmappedShippingPolicy) async throws -> ResolutionRules
    /// Re-runs SKU resolution over held orders after the rules or the catalog changed.
    @discardableResult
    func reevaluateHeldOrders(
        storeId: Int64?, unmappedShipping: UnmappedShippingPolicy, actor: EventActor, now: Date
    ) async throws -> ReevaluationResult

    // MARK: Counts

    func statusSummary() async throws -> StatusSummary
    func queueStatusCounts() async throws -> QueueStatusCounts
    func terminalOrderCounts() async throws -> [OrderState: Int]

    // MARK: Benchmarks

    /// Bulk-loads an order history (benchmarks: startup and scrape cost on a large database).
    @discardableResult
    func seedOrderHistory(
        storeId: Int64, count: Int, shipped: Int, payload: OrderPayload, storeStatusId: Int, firstExternalId: Int,
        now: Date, batchSize: Int
    ) async throws -> Int
}
