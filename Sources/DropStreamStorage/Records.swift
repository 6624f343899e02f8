import DropStreamCore
import Foundation

// One Codable record per table. Property names are the column names in every engine. The
// records are plain values: callers read them, and change the data only through the storage
// engine's intention-named operations. Each engine adds its own row mapping.

/// A row of `store`: one connected store.
public struct StoreRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    /// Unique, case-insensitively; how the operator names the store in every command.
    public var name: String
    public var platform: Platform
    /// The BigCommerce store hash (`abcde` in `stores/abcde/v3`). Unique per platform.
    public var storeHash: String
    public var state: StoreState
    /// The store-side status whose orders are imported (default 11, Awaiting Fulfillment).
    public var importStatusId: Int
    /// The store-side status set when an order is claimed; `nil` = leave the store alone.
    public var claimStatusId: Int?
    /// Seconds between passes; `nil` = the configured default.
    public var pollIntervalSeconds: Int?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64,
        name: String,
        platform: Platform,
        storeHash: String,
        state: StoreState,
        importStatusId: Int,
        claimStatusId: Int? = nil,
        pollIntervalSeconds: Int? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.name = name
        self.platform = platform
        self.storeHash = storeHash
        self.state = state
        self.importStatusId = importStatusId
        self.claimStatusId = claimStatusId
        self.pollIntervalSeconds = pollIntervalSeconds
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `credential`: a store's encrypted access token. Never holds plaintext.
public struct CredentialRecord: Codable, Sendable, Hashable {
    public var storeId: Int64
    /// The AES-GCM ciphertext (with its tag), as the daemon's token box produced it.
    public var ciphertext: Data
    public var nonce: Data
    /// Which encryption key sealed it, so keys can rotate.
    public var keyId: String
    public var createdAt: Date

    public init(
        storeId: Int64,
        ciphertext: Data,
        nonce: Data,
        keyId: String,
        createdAt: Date
    ) {
        self.storeId = storeId
        self.ciphertext = ciphertext
        self.nonce = nonce
        self.keyId = keyId
        self.createdAt = createdAt
    }
}

/// A row of `syncCursor`: where a store's sync stands, in the store's own clock.
public struct SyncCursorRecord: Codable, Sendable, Hashable {
    public var storeId: Int64
    /// Store server time at the start of the last committed pass; `nil` = never synced.
    public var watermark: Date?
    /// Store server time at the start of the last committed full pass.
    public var lastFullPassAt: Date?
    public var updatedAt: Date

    public init(
        storeId: Int64,
        watermark: Date? = nil,
        lastFullPassAt: Date? = nil,
        updatedAt: Date
    ) {
        self.storeId = storeId
        self.watermark = watermark
        self.lastFullPassAt = lastFullPassAt
        self.updatedAt = updatedAt
    }
}

/// A row of `fulfillmentOrder`: one order in the queue.
public struct FulfillmentOrderRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var storeId: Int64
    /// The store's order id.
    public var externalOrderId: String
    public var state: OrderState
    /// The store-side status id when last seen.
    public var storeStatusId: Int
    /// The store's `date_modified` when last seen.
    public var dateModified: Date
    public var payload: OrderPayload
    /// The store changed the order while it was claimed.
    public var changedAfterClaim: Bool
    /// The store cancelled the order while it was claimed.
    public var cancelledInStore: Bool
    /// Why it is held; set exactly when `state == .held`.
    public var holdReason: String?
    /// The worker holding the lease; set exactly when `state == .claimed`.
    public var claimedBy: String?
    public var claimedAt: Date?
    public var leaseExpiresAt: Date?
    /// The status our claim flip set (or may have set) in the store, until the sync engine sees
    /// the order back in the import status: the store showing it is our own doing (migration "v2").
    public var flippedStoreStatusId: Int?
    /// When it entered the queue (local clock); the claim order.
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64,
        storeId: Int64,
        externalOrderId: String,
        state: OrderState,
        storeStatusId: Int,
        dateModified: Date,
        payload: OrderPayload,
        changedAfterClaim: Bool,
        cancelledInStore: Bool,
        holdReason: String? = nil,
        claimedBy: String? = nil,
        claimedAt: Date? = nil,
        leaseExpiresAt: Date? = nil,
        flippedStoreStatusId: Int? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.storeId = storeId
        self.externalOrderId = externalOrderId
        self.state = state
        self.storeStatusId = storeStatusId
        self.dateModified = dateModified
        self.payload = payload
        self.changedAfterClaim = changedAfterClaim
        self.cancelledInStore = cancelledInStore
        self.holdReason = holdReason
        self.claimedBy = claimedBy
        self.claimedAt = claimedAt
        self.leaseExpiresAt = leaseExpiresAt
        self.flippedStoreStatusId = flippedStoreStatusId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `storeStatusChange`: one status change the daemon makes in a store (the claim flip
/// and its undo), as a durable outbox entry.
public struct StoreStatusChangeRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var orderId: Int64
    public var purpose: StoreStatusChangePurpose
    /// The change is made only while the store shows this status.
    public var expectedStatusId: Int
    /// The status the store should show afterwards.
    public var targetStatusId: Int
    public var state: StoreStatusChangeState
    public var attempts: Int
    /// Not before this time (back-off); `nil` = now.
    public var nextAttemptAt: Date?
    /// Why it was skipped, superseded or failed; the last error while it is retried.
    public var note: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64,
        orderId: Int64,
        purpose: StoreStatusChangePurpose,
        expectedStatusId: Int,
        targetStatusId: Int,
        state: StoreStatusChangeState,
        attempts: Int,
        nextAttemptAt: Date? = nil,
        note: String? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.orderId = orderId
        self.purpose = purpose
        self.expectedStatusId = expectedStatusId
        self.targetStatusId = targetStatusId
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.note = note
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `orderEvent`: one entry of an order's history.
/// A row of `storeEvent`: one entry of a store's connection history.
public struct StoreEventRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var storeId: Int64
    public var at: Date
    /// `added`, `authorized`, `paused`, `resumed`, `import_status_changed`, `needs_reauthorization`,
    /// `uninstalled`, `disconnected`, ...; open text, like order event kinds.
    public var kind: String
    /// Who: `operator`, `store` (a BigCommerce callback), `sync`, `pusher`.
    public var actor: String
    /// Small facts (status ids, reasons). Never tokens, codes or secrets.
    public var detail: [String: String]?

    public init(
        id: Int64,
        storeId: Int64,
        at: Date,
        kind: String,
        actor: String,
        detail: [String: String]? = nil
    ) {
        self.id = id
        self.storeId = storeId
        self.at = at
        self.kind = kind
        self.actor = actor
        self.detail = detail
    }
}

public struct OrderEventRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var orderId: Int64
    public var at: Date
    public var kind: OrderEventKind
    /// The state before, for transitions; `nil` for the first event and for non-transitions.
    public var fromState: OrderState?
    /// The state after, for transitions.
    public var toState: OrderState?
    public var actor: EventActor
    /// Small facts for the history (store status id, reason, worker...). Never secrets or addresses.
    public var detail: [String: String]?

    public init(
        id: Int64,
        orderId: Int64,
        at: Date,
        kind: OrderEventKind,
        fromState: OrderState? = nil,
        toState: OrderState? = nil,
        actor: EventActor,
        detail: [String: String]? = nil
    ) {
        self.id = id
        self.orderId = orderId
        self.at = at
        self.kind = kind
        self.fromState = fromState
        self.toState = toState
        self.actor = actor
        self.detail = detail
    }
}

/// A row of `skuRule`: how one store SKU reaches the warehouse.
public struct SKURuleRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var storeId: Int64
    public var storeSku: String
    public var kind: SKURuleKind
    /// Set exactly for `.map` rules.
    public var warehouseSku: String?
    /// Multiplier for `.map` rules.
    public var quantity: Int
    /// Set exactly for `.kit` rules.
    public var components: [KitComponent]?
    public var updatedAt: Date

    public init(
        id: Int64,
        storeId: Int64,
        storeSku: String,
        kind: SKURuleKind,
        warehouseSku: String? = nil,
        quantity: Int,
        components: [KitComponent]? = nil,
        updatedAt: Date
    ) {
        self.id = id
        self.storeId = storeId
        self.storeSku = storeSku
        self.kind = kind
        self.warehouseSku = warehouseSku
        self.quantity = quantity
        self.components = components
        self.updatedAt = updatedAt
    }
}

/// A row of `shippingRule`: a store shipping method mapped to a warehouse service code.
public struct ShippingRuleRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var storeId: Int64
    public var storeMethod: String
    public var serviceCode: String
    public var updatedAt: Date

    public init(
        id: Int64,
        storeId: Int64,
        storeMethod: String,
        serviceCode: String,
        updatedAt: Date
    ) {
        self.id = id
        self.storeId = storeId
        self.storeMethod = storeMethod
        self.serviceCode = serviceCode
        self.updatedAt = updatedAt
    }
}

/// A row of `catalogItem`: one SKU the warehouse stocks.
public struct CatalogItemRecord: Codable, Sendable, Hashable {
    public var warehouseSku: String
    public var name: String?
    public var importedAt: Date

    public init(warehouseSku: String, name: String? = nil, importedAt: Date = Date()) {
        self.warehouseSku = warehouseSku
        self.name = name
        self.importedAt = importedAt
    }
}

/// A row of `shipment`: a warehouse confirmation on its way to the store.
public struct ShipmentRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var orderId: Int64
    /// One per warehouse confirmation; confirming twice with the same key finds this row.
    public var idempotencyKey: String
    public var state: ShipmentState
    public var trackingNumber: String
    public var carrier: String
    public var shippingMethod: String?
    public var items: [ShipmentItem]
    public var attempts: Int
    /// Not before this time (backoff); `nil` = now.
    public var nextAttemptAt: Date?
    /// The store's shipment id once delivered.
    public var externalShipmentId: String?
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: Int64,
        orderId: Int64,
        idempotencyKey: String,
        state: ShipmentState,
        trackingNumber: String,
        carrier: String,
        shippingMethod: String? = nil,
        items: [ShipmentItem],
        attempts: Int,
        nextAttemptAt: Date? = nil,
        externalShipmentId: String? = nil,
        lastError: String? = nil,
        createdAt: Date,
        updatedAt: Date
    ) {
        self.id = id
        self.orderId = orderId
        self.idempotencyKey = idempotencyKey
        self.state = state
        self.trackingNumber = trackingNumber
        self.carrier = carrier
        self.shippingMethod = shippingMethod
        self.items = items
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.externalShipmentId = externalShipmentId
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A row of `syncRun`: one sync pass of one store.
public struct SyncRunRecord: Codable, Sendable, Hashable, Identifiable {
    public var id: Int64
    public var storeId: Int64
    public var kind: SyncPassKind
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: SyncRunOutcome
    public var ordersSeen: Int
    public var ordersNew: Int
    public var ordersUpdated: Int
    public var ordersCancelled: Int
    public var requestsUsed: Int
    /// `X-Rate-Limit-Requests-Left` at the end of the pass.
    public var quotaLeft: Int?
    public var error: String?

    public init(
        id: Int64,
        storeId: Int64,
        kind: SyncPassKind,
        startedAt: Date,
        finishedAt: Date? = nil,
        outcome: SyncRunOutcome,
        ordersSeen: Int,
        ordersNew: Int,
        ordersUpdated: Int,
        ordersCancelled: Int,
        requestsUsed: Int,
        quotaLeft: Int? = nil,
        error: String? = nil
    ) {
        self.id = id
        self.storeId = storeId
        self.kind = kind
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.ordersSeen = ordersSeen
        self.ordersNew = ordersNew
        self.ordersUpdated = ordersUpdated
        self.ordersCancelled = ordersCancelled
        self.requestsUsed = requestsUsed
        self.quotaLeft = quotaLeft
        self.error = error
    }
}
