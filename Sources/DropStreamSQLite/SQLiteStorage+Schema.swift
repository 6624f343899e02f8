import DropStreamCore
import DropStreamStorage
import GRDB

// The schema: named, append-only migrations (GRDB's `DatabaseMigrator`).
//
// RULE: a migration that has landed on `main` is NEVER edited, renamed or removed — databases
// in the field have recorded its identifier in `grdb_migrations` and will not run it again.
// Every change is a new migration appended at the end of `makeMigrator()`.

extension SQLiteStorage {
    /// The migrations this build knows, in order. The last identifier is this build's schema version.
    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // No `eraseDatabaseOnSchemaChange`, not even in DEBUG: a developer's queue is real data too.
        migrator.registerMigration("v1") { db in
            try db.execute(sql: SchemaV1.sql)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: SchemaV2.sql)
        }
        // Append new migrations here ("v3", ...). Never edit the ones above.
        return migrator
    }
}

/// Migration "v1": every table of DESIGN §4.
///
/// The closed sets in the `CHECK(... IN (...))` constraints are frozen literals, not
/// `OrderState.allCases`: generating them would silently change what "v1" creates when an enum
/// gains a case, and old and new databases would disagree. When an enum gains a case, a test
/// (`SchemaTests.frozenStateListsMatchTheEnums`) fails; then write a migration that rebuilds
/// the table with the wider CHECK (GRDB, "How to Recreate a Database Table") and update the
/// *current* lists there — leave these alone.
enum SchemaV1 {
    static let orderStates = ["ready", "held", "claimed", "shipped", "cancelled"]
    static let storeStates = ["awaiting_authorization", "active", "paused", "needs_reauthorization", "disconnected"]
    static let platforms = ["bigcommerce"]
    static let shipmentStates = ["pending", "pushing", "delivered", "failed"]
    static let syncPassKinds = ["full", "incremental"]
    static let syncRunOutcomes = ["running", "succeeded", "failed"]
    static let skuRuleKinds = ["map", "kit", "ignore"]

    /// `'a', 'b'` for use inside `IN (...)`.
    static func list(_ values: [String]) -> String {
        values.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" }.joined(separator: ", ")
    }

    // Dates are GRDB's text format "YYYY-MM-DD HH:MM:SS.SSS" in UTC, so they sort and compare
    // as text and read well in the sqlite3 shell.
    static let sql = """
    -- store: one connected store (DESIGN §2 flow 1). Written by the operator's commands (add, set,
    -- pause, remove), the auth/uninstall callbacks and the syncer (state on 401).
    -- importStatusId: the store-side status whose orders are imported (BigCommerce 0...14).
    -- claimStatusId: the status set in the store when an order is claimed; NULL = no flip.
    -- pollIntervalSeconds: NULL = the configured default.
    CREATE TABLE store (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL COLLATE NOCASE UNIQUE CHECK (length(name) > 0),
      platform TEXT NOT NULL CHECK (platform IN (\(list(platforms)))),
      storeHash TEXT NOT NULL COLLATE NOCASE CHECK (length(storeHash) > 0),
      state TEXT NOT NULL CHECK (state IN (\(list(storeStates)))),
      importStatusId INTEGER NOT NULL DEFAULT 11 CHECK (importStatusId BETWEEN 0 AND 14),
      claimStatusId INTEGER CHECK (claimStatusId BETWEEN 0 AND 14),
      pollIntervalSeconds INTEGER CHECK (pollIntervalSeconds > 0),
      createdAt DATETIME NOT NULL,
      updatedAt DATETIME NOT NULL,
      UNIQUE (platform, storeHash)
    );

    -- credential: a store's OAuth access token, AES-GCM encrypted by the daemon before it gets
    -- here (DESIGN §2 flow 2). There is deliberately no plaintext column, and the CHECKs refuse
    -- text in the ciphertext column. Written by the auth callback; deleted on disconnect.
    CREATE TABLE credential (
      storeId INTEGER PRIMARY KEY REFERENCES store(id) ON DELETE CASCADE,
      ciphertext BLOB NOT NULL CHECK (typeof(ciphertext) = 'blob' AND length(ciphertext) > 0),
      nonce BLOB NOT NULL CHECK (typeof(nonce) = 'blob' AND length(nonce) > 0),
      keyId TEXT NOT NULL CHECK (length(keyId) > 0),
      createdAt DATETIME NOT NULL
    );

    -- syncCursor: where a store's sync stands (DESIGN §5). Written only by the syncer, in the
    -- same transaction as the orders a pass upserted. Both times are the STORE's server time
    -- (GET /v2/time), never the local clock. No row = never synced = the next pass is full.
    CREATE TABLE syncCursor (
      storeId INTEGER PRIMARY KEY REFERENCES store(id) ON DELETE CASCADE,
      watermark DATETIME,
      lastFullPassAt DATETIME,
      updatedAt DATETIME NOT NULL
    );

    -- fulfillmentOrder: the queue (DESIGN §4). Inserted and updated by the syncer; moved by
    -- workers (claim, release, ship), the rescuer (expired leases) and operators (hold, unhold).
    -- payload: JSON lines/address/shipping method/customer message (DropStreamCore.OrderPayload).
    -- dateModified: the store's date_modified; upserts are idempotent on it.
    -- changedAfterClaim / cancelledInStore: the store changed or cancelled the order while a
    -- worker held it; the worker is told, shipping a cancelled one needs force.
    CREATE TABLE fulfillmentOrder (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      storeId INTEGER NOT NULL REFERENCES store(id) ON DELETE CASCADE,
      externalOrderId TEXT NOT NULL CHECK (length(externalOrderId) > 0),
      state TEXT NOT NULL CHECK (state IN (\(list(orderStates)))),
      storeStatusId INTEGER NOT NULL CHECK (storeStatusId BETWEEN 0 AND 14),
      dateModified DATETIME NOT NULL,
      payload TEXT NOT NULL CHECK (json_valid(payload)),
      changedAfterClaim BOOLEAN NOT NULL DEFAULT 0 CHECK (changedAfterClaim IN (0, 1)),
      cancelledInStore BOOLEAN NOT NULL DEFAULT 0 CHECK (cancelledInStore IN (0, 1)),
      holdReason TEXT,
      claimedBy TEXT CHECK (length(claimedBy) > 0),
      claimedAt DATETIME,
      leaseExpiresAt DATETIME,
      createdAt DATETIME NOT NULL,
      updatedAt DATETIME NOT NULL,
      UNIQUE (storeId, externalOrderId),
      -- held <=> a reason says why
      CHECK ((state = 'held') = (holdReason IS NOT NULL)),
      -- claimed <=> a lease: a worker, when it claimed, until when
      CHECK ((state = 'claimed') = (claimedBy IS NOT NULL)),
      CHECK ((claimedBy IS NULL) = (leaseExpiresAt IS NULL)),
      CHECK ((claimedBy IS NULL) = (claimedAt IS NULL))
    );
    -- The claim query: WHERE state = 'ready' [AND storeId = ?] ORDER BY createdAt, id LIMIT ?.
    -- Also serves listings and counts by state.
    CREATE INDEX fulfillmentOrder_onStateCreatedAt ON fulfillmentOrder(state, createdAt, id);
    CREATE INDEX fulfillmentOrder_onStoreStateCreatedAt ON fulfillmentOrder(storeId, state, createdAt, id);
    -- The rescuer: WHERE state = 'claimed' AND leaseExpiresAt <= ?.
    CREATE INDEX fulfillmentOrder_onLease ON fulfillmentOrder(leaseExpiresAt) WHERE state = 'claimed';

    -- orderEvent: an order's history (DESIGN §2 flow 6). Append-only; every state transition
    -- writes one in the same transaction, plus non-transition events (updated, flagged).
    -- actor: "sync", "rescuer", "pusher", "store", "worker:NAME", "operator:UID".
    -- kind is open text on purpose (DropStreamCore.OrderEventKind): new kinds need no migration.
    CREATE TABLE orderEvent (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      orderId INTEGER NOT NULL REFERENCES fulfillmentOrder(id) ON DELETE CASCADE,
      at DATETIME NOT NULL,
      kind TEXT NOT NULL CHECK (length(kind) > 0),
      fromState TEXT CHECK (fromState IN (\(list(orderStates)))),
      toState TEXT CHECK (toState IN (\(list(orderStates)))),
      actor TEXT NOT NULL CHECK (length(actor) > 0),
      detail TEXT CHECK (detail IS NULL OR json_valid(detail))
    );
    CREATE INDEX orderEvent_onOrderId ON orderEvent(orderId, id);

    -- storeEvent: a store's connection history (added, authorized, paused, resumed, import
    -- status changed, needs re-authorization, uninstalled, disconnected). Append-only; written
    -- by the daemon's connection code. Removing a store with --purge deletes its history too.
    CREATE TABLE storeEvent (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      storeId INTEGER NOT NULL REFERENCES store(id) ON DELETE CASCADE,
      at DATETIME NOT NULL,
      kind TEXT NOT NULL CHECK (length(kind) > 0),
      actor TEXT NOT NULL CHECK (length(actor) > 0),
      detail TEXT CHECK (detail IS NULL OR json_valid(detail))
    );
    CREATE INDEX storeEvent_onStoreId ON storeEvent(storeId, id);

    -- skuRule: per-store SKU rules (DESIGN §2 flow 5). Written by operators. A map rule names one
    -- warehouse SKU and a multiplier; a kit rule lists components (JSON [{warehouseSKU, quantity}]);
    -- an ignore rule drops the line.
    CREATE TABLE skuRule (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      storeId INTEGER NOT NULL REFERENCES store(id) ON DELETE CASCADE,
      storeSku TEXT NOT NULL CHECK (length(storeSku) > 0),
      kind TEXT NOT NULL CHECK (kind IN (\(list(skuRuleKinds)))),
      warehouseSku TEXT,
      quantity INTEGER NOT NULL DEFAULT 1 CHECK (quantity > 0),
      components TEXT CHECK (components IS NULL OR json_valid(components)),
      updatedAt DATETIME NOT NULL,
      UNIQUE (storeId, storeSku),
      CHECK ((kind = 'map') = (warehouseSku IS NOT NULL)),
      CHECK ((kind = 'kit') = (components IS NOT NULL))
    );

    -- shippingRule: per-store shipping method -> warehouse service code (DESIGN §2 flow 5).
    -- Written by operators.
    CREATE TABLE shippingRule (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      storeId INTEGER NOT NULL REFERENCES store(id) ON DELETE CASCADE,
      storeMethod TEXT NOT NULL COLLATE NOCASE CHECK (length(storeMethod) > 0),
      serviceCode TEXT NOT NULL CHECK (length(serviceCode) > 0),
      updatedAt DATETIME NOT NULL,
      UNIQUE (storeId, storeMethod)
    );

    -- catalogItem: the warehouse's SKUs (one catalog for the warehouse, not per store). Replaced
    -- by `catalog import`. When it is not empty, orders with unresolved SKUs are held.
    CREATE TABLE catalogItem (
      warehouseSku TEXT PRIMARY KEY CHECK (length(warehouseSku) > 0),
      name TEXT,
      importedAt DATETIME NOT NULL
    );

    -- shipment: a shipment confirmed by the warehouse, on its way to the store (DESIGN §2 flow 7).
    -- Inserted by `ship` (with the order's transition); moved by the shipment pusher.
    -- idempotencyKey: one per warehouse confirmation; a repeated confirmation finds the row.
    -- items: JSON [{lineID, quantity}]. externalShipmentId: the store's id once delivered.
    CREATE TABLE shipment (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      orderId INTEGER NOT NULL REFERENCES fulfillmentOrder(id) ON DELETE CASCADE,
      idempotencyKey TEXT NOT NULL UNIQUE CHECK (length(idempotencyKey) > 0),
      state TEXT NOT NULL CHECK (state IN (\(list(shipmentStates)))),
      trackingNumber TEXT NOT NULL,
      carrier TEXT NOT NULL,
      shippingMethod TEXT,
      items TEXT NOT NULL CHECK (json_valid(items)),
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      nextAttemptAt DATETIME,
      externalShipmentId TEXT,
      lastError TEXT,
      createdAt DATETIME NOT NULL,
      updatedAt DATETIME NOT NULL,
      CHECK (state <> 'delivered' OR externalShipmentId IS NOT NULL)
    );
    CREATE INDEX shipment_onOrderId ON shipment(orderId);
    CREATE INDEX shipment_onStateNextAttemptAt ON shipment(state, nextAttemptAt);

    -- syncRun: one row per sync pass, for `store show` and troubleshooting (DESIGN §5).
    -- Written by the syncer: inserted "running" at the start, finished at the end. A row left
    -- "running" means the daemon died during that pass.
    CREATE TABLE syncRun (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      storeId INTEGER NOT NULL REFERENCES store(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN (\(list(syncPassKinds)))),
      startedAt DATETIME NOT NULL,
      finishedAt DATETIME,
      outcome TEXT NOT NULL CHECK (outcome IN (\(list(syncRunOutcomes)))),
      ordersSeen INTEGER NOT NULL DEFAULT 0 CHECK (ordersSeen >= 0),
      ordersNew INTEGER NOT NULL DEFAULT 0 CHECK (ordersNew >= 0),
      ordersUpdated INTEGER NOT NULL DEFAULT 0 CHECK (ordersUpdated >= 0),
      ordersCancelled INTEGER NOT NULL DEFAULT 0 CHECK (ordersCancelled >= 0),
      requestsUsed INTEGER NOT NULL DEFAULT 0 CHECK (requestsUsed >= 0),
      quotaLeft INTEGER,
      error TEXT,
      CHECK ((outcome = 'running') = (finishedAt IS NULL))
    );
    CREATE INDEX syncRun_onStoreIdStartedAt ON syncRun(storeId, startedAt);

    -- healthProbe: a single row rewritten by SQLiteStorage.checkHealth(), so the watchdog stops
    -- when the disk is read-only or full.
    CREATE TABLE healthProbe (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      checkedAt DATETIME NOT NULL
    );
    """
}

/// Migration "v2": the claim flip (DESIGN §2 step 7) — the outbox of store status changes and
/// the per-order marker the sync engine reads to recognise the flip as its own.
enum SchemaV2 {
    static let statusChangePurposes = ["claim", "restore"]
    static let statusChangeStates = ["pending", "sending", "done", "skipped", "superseded", "failed"]

    static let sql = """
    -- flippedStoreStatusId: the status our claim flip set (or may have set: the request was sent)
    -- in the store. The sync engine treats the store showing exactly this status as our own doing,
    -- never as the merchant moving the order. Set when a claim flip is sent; cleared only by the
    -- sync engine, when it sees the order back in the import status with a newer date_modified and
    -- no status change is open (so a page read before our restore landed cannot clear it).
    ALTER TABLE fulfillmentOrder ADD COLUMN flippedStoreStatusId INTEGER
      CHECK (flippedStoreStatusId BETWEEN 0 AND 14);

    -- storeStatusChange: status changes the daemon makes in a store, as a durable outbox.
    -- purpose 'claim': set the store's claim status (written by the claim, in its transaction);
    -- 'restore': put the import status back after a flipped order left its claim without shipping
    -- (release, hold, expired lease; written in that transition's transaction).
    -- Sent by the shipment pusher, in the same per-store sequence as shipments, so a flip and a
    -- shipment of one order are never in flight together. A change is made only if the store
    -- still shows expectedStatusId (never un-cancel or un-ship an order); if it already shows
    -- targetStatusId it is done without a request.
    -- state: pending (due at nextAttemptAt) -> sending (request under way; left by a crash, it is
    -- looked at again) -> done | skipped (the store showed something else) | failed (store refusal
    -- or retries exhausted); superseded when a later transition made it moot (a shipment was
    -- confirmed, the order was claimed again or released, the store's claim status changed).
    CREATE TABLE storeStatusChange (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      orderId INTEGER NOT NULL REFERENCES fulfillmentOrder(id) ON DELETE CASCADE,
      purpose TEXT NOT NULL CHECK (purpose IN (\(SchemaV1.list(statusChangePurposes)))),
      expectedStatusId INTEGER NOT NULL CHECK (expectedStatusId BETWEEN 0 AND 14),
      targetStatusId INTEGER NOT NULL CHECK (targetStatusId BETWEEN 0 AND 14),
      state TEXT NOT NULL CHECK (state IN (\(SchemaV1.list(statusChangeStates)))),
      attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      nextAttemptAt DATETIME,
      note TEXT,
      createdAt DATETIME NOT NULL,
      updatedAt DATETIME NOT NULL,
      CHECK (expectedStatusId <> targetStatusId)
    );
    -- At most one open change per order: a newer intention supersedes the older one first.
    CREATE UNIQUE INDEX storeStatusChange_oneOpenPerOrder ON storeStatusChange(orderId)
      WHERE state IN ('pending', 'sending');
    CREATE INDEX storeStatusChange_onOrderId ON storeStatusChange(orderId, id);
    -- The pusher's query: WHERE state = 'sending' OR (state = 'pending' AND nextAttemptAt <= ?).
    CREATE INDEX storeStatusChange_onStateNextAttemptAt ON storeStatusChange(state, nextAttemptAt)
      WHERE state IN ('pending', 'sending');
    """
}
