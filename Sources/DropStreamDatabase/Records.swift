import DropStreamCore
import Foundation
import GRDB

// One Codable record per table (GRDB style). Property names are the column names, so the
// records need no CodingKeys; `Columns` names them for the query interface. The records are
// plain values: callers read them, and change the database only through AppDatabase's
// intention-named operations.

/// A row of `store`: one connected store.
public struct StoreRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "store"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let name = Column(CodingKeys.name)
        public static let platform = Column(CodingKeys.platform)
        public static let storeHash = Column(CodingKeys.storeHash)
        public static let state = Column(CodingKeys.state)
        public static let importStatusId = Column(CodingKeys.importStatusId)
        public static let claimStatusId = Column(CodingKeys.claimStatusId)
        public static let pollIntervalSeconds = Column(CodingKeys.pollIntervalSeconds)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `credential`: a store's encrypted access token. Never holds plaintext.
public struct CredentialRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "credential"
    public var storeId: Int64
    /// The AES-GCM ciphertext (with its tag), as the daemon's token box produced it.
    public var ciphertext: Data
    public var nonce: Data
    /// Which encryption key sealed it, so keys can rotate.
    public var keyId: String
    public var createdAt: Date

    public enum Columns {
        public static let storeId = Column(CodingKeys.storeId)
        public static let ciphertext = Column(CodingKeys.ciphertext)
        public static let nonce = Column(CodingKeys.nonce)
        public static let keyId = Column(CodingKeys.keyId)
        public static let createdAt = Column(CodingKeys.createdAt)
    }
}

/// A row of `syncCursor`: where a store's sync stands, in the store's own clock.
public struct SyncCursorRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "syncCursor"
    public var storeId: Int64
    /// Store server time at the start of the last committed pass; `nil` = never synced.
    public var watermark: Date?
    /// Store server time at the start of the last committed full pass.
    public var lastFullPassAt: Date?
    public var updatedAt: Date

    public enum Columns {
        public static let storeId = Column(CodingKeys.storeId)
        public static let watermark = Column(CodingKeys.watermark)
        public static let lastFullPassAt = Column(CodingKeys.lastFullPassAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `fulfillmentOrder`: one order in the queue.
public struct FulfillmentOrderRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fulfillmentOrder"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let storeId = Column(CodingKeys.storeId)
        public static let externalOrderId = Column(CodingKeys.externalOrderId)
        public static let state = Column(CodingKeys.state)
        public static let storeStatusId = Column(CodingKeys.storeStatusId)
        public static let dateModified = Column(CodingKeys.dateModified)
        public static let payload = Column(CodingKeys.payload)
        public static let changedAfterClaim = Column(CodingKeys.changedAfterClaim)
        public static let cancelledInStore = Column(CodingKeys.cancelledInStore)
        public static let holdReason = Column(CodingKeys.holdReason)
        public static let claimedBy = Column(CodingKeys.claimedBy)
        public static let claimedAt = Column(CodingKeys.claimedAt)
        public static let leaseExpiresAt = Column(CodingKeys.leaseExpiresAt)
        public static let flippedStoreStatusId = Column(CodingKeys.flippedStoreStatusId)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `storeStatusChange`: one status change the daemon makes in a store (the claim flip
/// and its undo), as a durable outbox entry.
public struct StoreStatusChangeRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "storeStatusChange"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let orderId = Column(CodingKeys.orderId)
        public static let purpose = Column(CodingKeys.purpose)
        public static let state = Column(CodingKeys.state)
        public static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
    }
}

/// A row of `orderEvent`: one entry of an order's history.
/// A row of `storeEvent`: one entry of a store's connection history.
public struct StoreEventRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "storeEvent"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let storeId = Column(CodingKeys.storeId)
        public static let at = Column(CodingKeys.at)
        public static let kind = Column(CodingKeys.kind)
    }
}

public struct OrderEventRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "orderEvent"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let orderId = Column(CodingKeys.orderId)
        public static let at = Column(CodingKeys.at)
        public static let kind = Column(CodingKeys.kind)
        public static let fromState = Column(CodingKeys.fromState)
        public static let toState = Column(CodingKeys.toState)
        public static let actor = Column(CodingKeys.actor)
        public static let detail = Column(CodingKeys.detail)
    }
}

/// A row of `skuRule`: how one store SKU reaches the warehouse.
public struct SKURuleRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "skuRule"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let storeId = Column(CodingKeys.storeId)
        public static let storeSku = Column(CodingKeys.storeSku)
        public static let kind = Column(CodingKeys.kind)
        public static let warehouseSku = Column(CodingKeys.warehouseSku)
        public static let quantity = Column(CodingKeys.quantity)
        public static let components = Column(CodingKeys.components)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `shippingRule`: a store shipping method mapped to a warehouse service code.
public struct ShippingRuleRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "shippingRule"
    public var id: Int64
    public var storeId: Int64
    public var storeMethod: String
    public var serviceCode: String
    public var updatedAt: Date

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let storeId = Column(CodingKeys.storeId)
        public static let storeMethod = Column(CodingKeys.storeMethod)
        public static let serviceCode = Column(CodingKeys.serviceCode)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `catalogItem`: one SKU the warehouse stocks.
public struct CatalogItemRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "catalogItem"
    public var warehouseSku: String
    public var name: String?
    public var importedAt: Date

    public init(warehouseSku: String, name: String? = nil, importedAt: Date = Date()) {
        self.warehouseSku = warehouseSku
        self.name = name
        self.importedAt = importedAt
    }

    public enum Columns {
        public static let warehouseSku = Column(CodingKeys.warehouseSku)
        public static let name = Column(CodingKeys.name)
        public static let importedAt = Column(CodingKeys.importedAt)
    }
}

/// A row of `shipment`: a warehouse confirmation on its way to the store.
public struct ShipmentRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "shipment"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let orderId = Column(CodingKeys.orderId)
        public static let idempotencyKey = Column(CodingKeys.idempotencyKey)
        public static let state = Column(CodingKeys.state)
        public static let trackingNumber = Column(CodingKeys.trackingNumber)
        public static let carrier = Column(CodingKeys.carrier)
        public static let shippingMethod = Column(CodingKeys.shippingMethod)
        public static let items = Column(CodingKeys.items)
        public static let attempts = Column(CodingKeys.attempts)
        public static let nextAttemptAt = Column(CodingKeys.nextAttemptAt)
        public static let externalShipmentId = Column(CodingKeys.externalShipmentId)
        public static let lastError = Column(CodingKeys.lastError)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }
}

/// A row of `syncRun`: one sync pass of one store.
public struct SyncRunRecord: Codable, Sendable, Hashable, Identifiable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "syncRun"
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

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let storeId = Column(CodingKeys.storeId)
        public static let kind = Column(CodingKeys.kind)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let outcome = Column(CodingKeys.outcome)
        public static let ordersSeen = Column(CodingKeys.ordersSeen)
        public static let ordersNew = Column(CodingKeys.ordersNew)
        public static let ordersUpdated = Column(CodingKeys.ordersUpdated)
        public static let ordersCancelled = Column(CodingKeys.ordersCancelled)
        public static let requestsUsed = Column(CodingKeys.requestsUsed)
        public static let quotaLeft = Column(CodingKeys.quotaLeft)
        public static let error = Column(CodingKeys.error)
    }
}
