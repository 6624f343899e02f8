import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// GRDB's view of the storage records: table names and columns for the query interface.

extension StoreRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "store"

    public enum Columns {
        public static let id = Column("id")
        public static let name = Column("name")
        public static let platform = Column("platform")
        public static let storeHash = Column("storeHash")
        public static let state = Column("state")
        public static let importStatusId = Column("importStatusId")
        public static let claimStatusId = Column("claimStatusId")
        public static let pollIntervalSeconds = Column("pollIntervalSeconds")
        public static let createdAt = Column("createdAt")
        public static let updatedAt = Column("updatedAt")
    }
}

extension CredentialRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "credential"

    public enum Columns {
        public static let storeId = Column("storeId")
        public static let ciphertext = Column("ciphertext")
        public static let nonce = Column("nonce")
        public static let keyId = Column("keyId")
        public static let createdAt = Column("createdAt")
    }
}

extension SyncCursorRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "syncCursor"

    public enum Columns {
        public static let storeId = Column("storeId")
        public static let watermark = Column("watermark")
        public static let lastFullPassAt = Column("lastFullPassAt")
        public static let updatedAt = Column("updatedAt")
    }
}

extension FulfillmentOrderRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "fulfillmentOrder"

    public enum Columns {
        public static let id = Column("id")
        public static let storeId = Column("storeId")
        public static let externalOrderId = Column("externalOrderId")
        public static let state = Column("state")
        public static let storeStatusId = Column("storeStatusId")
        public static let dateModified = Column("dateModified")
        public static let payload = Column("payload")
        public static let changedAfterClaim = Column("changedAfterClaim")
        public static let cancelledInStore = Column("cancelledInStore")
        public static let holdReason = Column("holdReason")
        public static let claimedBy = Column("claimedBy")
        public static let claimedAt = Column("claimedAt")
        public static let leaseExpiresAt = Column("leaseExpiresAt")
        public static let flippedStoreStatusId = Column("flippedStoreStatusId")
        public static let createdAt = Column("createdAt")
        public static let updatedAt = Column("updatedAt")
    }
}

extension StoreStatusChangeRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "storeStatusChange"

    public enum Columns {
        public static let id = Column("id")
        public static let orderId = Column("orderId")
        public static let purpose = Column("purpose")
        public static let state = Column("state")
        public static let nextAttemptAt = Column("nextAttemptAt")
    }
}

extension StoreEventRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "storeEvent"

    public enum Columns {
        public static let id = Column("id")
        public static let storeId = Column("storeId")
        public static let at = Column("at")
        public static let kind = Column("kind")
    }
}

extension OrderEventRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "orderEvent"

    public enum Columns {
        public static let id = Column("id")
        public static let orderId = Column("orderId")
        public static let at = Column("at")
        public static let kind = Column("kind")
        public static let fromState = Column("fromState")
        public static let toState = Column("toState")
        public static let actor = Column("actor")
        public static let detail = Column("detail")
    }
}

extension SKURuleRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "skuRule"

    public enum Columns {
        public static let id = Column("id")
        public static let storeId = Column("storeId")
        public static let storeSku = Column("storeSku")
        public static let kind = Column("kind")
        public static let warehouseSku = Column("warehouseSku")
        public static let quantity = Column("quantity")
        public static let components = Column("components")
        public static let updatedAt = Column("updatedAt")
    }
}

extension ShippingRuleRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "shippingRule"

    public enum Columns {
        public static let id = Column("id")
        public static let storeId = Column("storeId")
        public static let storeMethod = Column("storeMethod")
        public static let serviceCode = Column("serviceCode")
        public static let updatedAt = Column("updatedAt")
    }
}

extension CatalogItemRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "catalogItem"

    public enum Columns {
        public static let warehouseSku = Column("warehouseSku")
        public static let name = Column("name")
        public static let importedAt = Column("importedAt")
    }
}

extension ShipmentRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "shipment"

    public enum Columns {
        public static let id = Column("id")
        public static let orderId = Column("orderId")
        public static let idempotencyKey = Column("idempotencyKey")
        public static let state = Column("state")
        public static let trackingNumber = Column("trackingNumber")
        public static let carrier = Column("carrier")
        public static let shippingMethod = Column("shippingMethod")
        public static let items = Column("items")
        public static let attempts = Column("attempts")
        public static let nextAttemptAt = Column("nextAttemptAt")
        public static let externalShipmentId = Column("externalShipmentId")
        public static let lastError = Column("lastError")
        public static let createdAt = Column("createdAt")
        public static let updatedAt = Column("updatedAt")
    }
}

extension SyncRunRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "syncRun"

    public enum Columns {
        public static let id = Column("id")
        public static let storeId = Column("storeId")
        public static let kind = Column("kind")
        public static let startedAt = Column("startedAt")
        public static let finishedAt = Column("finishedAt")
        public static let outcome = Column("outcome")
        public static let ordersSeen = Column("ordersSeen")
        public static let ordersNew = Column("ordersNew")
        public static let ordersUpdated = Column("ordersUpdated")
        public static let ordersCancelled = Column("ordersCancelled")
        public static let requestsUsed = Column("requestsUsed")
        public static let quotaLeft = Column("quotaLeft")
        public static let error = Column("error")
    }
}
