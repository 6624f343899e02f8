import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// Stores and their credentials (DESIGN §2 flows 1-3 and 8). Names and store hashes compare
// case-insensitively, as in the SQLite engine (unique indexes on lower(...)).

extension PostgresStorage {
    public func addStore(
        name: String, platform: Platform, storeHash: String, importStatusID: Int, claimStatusID: Int?,
        actor: String, now: Date
    ) async throws -> StoreRecord {
        try Self.checkStatusID(importStatusID)
        if let claimStatusID {
            try Self.checkStatusID(claimStatusID)
            guard claimStatusID != importStatusID else {
                throw StorageError.invalidArgument("The claim status cannot be the import status (\(importStatusID)).")
            }
        }
        return try await write { db in
            // Serialise adds: two daemons adding the same name at once must not both pass the checks.
            try await db.run("LOCK TABLE store IN SHARE ROW EXCLUSIVE MODE")
            if try await db.value("SELECT 1 FROM store WHERE lower(name) = lower(\(name))", as: Int.self) != nil {
                throw StorageError.duplicateStoreName(name)
            }
            if let existing = try await db.value(
                "SELECT name FROM store WHERE platform = \(platform.rawValue) AND lower(storeHash) = lower(\(storeHash))",
                as: String.self)
            {
                throw StorageError.duplicateStoreHash(platform: platform, storeHash: storeHash, existingStore: existing)
            }
            let store = try await db.one(
                """
                INSERT INTO store (name, platform, storeHash, state, importStatusId, claimStatusId, createdAt, updatedAt)
                VALUES (\(name), \(platform.rawValue), \(storeHash), \(StoreState.awaitingAuthorization.rawValue),
                        \(importStatusID), \(claimStatusID), \(now), \(now))
                RETURNING *
                """, Row.store)!
            try await Self.insertStoreEvent(
                db, storeId: store.id,
                StoreEventInput(kind: "added", actor: actor, detail: [
                    "importStatusId": String(importStatusID), "claimStatusId": claimStatusID.map(String.init) ?? "off",
                ]), now: now)
            return store
        }
    }

    public func store(named name: String) async throws -> StoreRecord? {
        try await read { db in try await db.one("SELECT * FROM store WHERE lower(name) = lower(\(name))", Row.store) }
    }

    public func store(id: Int64) async throws -> StoreRecord? {
        try await read { db in try await Self.fetchStore(db, id) }
    }

    public func store(platform: Platform, storeHash: String) async throws -> StoreRecord? {
        try await read { db in
            try await db.one(
                "SELECT * FROM store WHERE platform = \(platform.rawValue) AND lower(storeHash) = lower(\(storeHash))",
                Row.store)
        }
    }

    public func stores(state: StoreState?) async throws -> [StoreRecord] {
        try await read { db in
            // `lower(name)`: the SQLite engine orders by the NOCASE column.
            try await db.all(
                "SELECT * FROM store WHERE \(state?.rawValue)::text IS NULL OR state = \(state?.rawValue) ORDER BY lower(name) COLLATE \"C\", id",
                Row.store)
        }
    }

    public func setStoreState(_ storeId: Int64, to state: StoreState, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    {
        try await updateStore(storeId, now: now, event: event) { $0.state = state }
    }

    public func setImportStatus(_ storeId: Int64, statusID: Int, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    {
        try Self.checkStatusID(statusID)
        return try await updateStore(storeId, now: now, event: event) { $0.importStatusId = statusID }
    }

    public func setClaimStatus(_ storeId: Int64, statusID: Int?, event: StoreEventInput?, now: Date) async throws
        -> StoreRecord
    {
        if let statusID { try Self.checkStatusID(statusID) }
        return try await write { db in
            guard var store = try await Self.fetchStore(db, storeId, forUpdate: true) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            if let statusID, statusID == store.importStatusId {
                throw StorageError.invalidArgument(
                    "The claim status cannot be the import status (\(statusID)): a claimed order would look unclaimed in the store.")
            }
            store.claimStatusId = statusID
            store.updatedAt = now
            try await Self.saveStore(db, store)
            if let event { try await Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
            return store
        }
    }

    public func setPollInterval(_ storeId: Int64, seconds: Int?, now: Date) async throws -> StoreRecord {
        if let seconds, seconds <= 0 {
            throw StorageError.invalidArgument("The poll interval must be positive (got \(seconds) s).")
        }
        return try await updateStore(storeId, now: now, event: nil) { $0.pollIntervalSeconds = seconds }
    }

    public func completeAuthorization(storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date)
        async throws -> StoreRecord
    {
        try await write { db in
            guard var store = try await Self.fetchStore(db, storeId, forUpdate: true) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            let previous = store.state
            guard store.state == .awaitingAuthorization || store.state == .needsReauthorization else {
                throw StorageError.invalidArgument(
                    "Store \"\(store.name)\" is \(store.state.rawValue), not awaiting authorization.")
            }
            try await Self.saveCredential(db, storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
            store.state = .active
            store.updatedAt = now
            try await Self.saveStore(db, store)
            try await Self.insertStoreEvent(
                db, storeId: storeId,
                StoreEventInput(kind: "authorized", actor: "store", detail: ["from": previous.rawValue]), now: now)
            return store
        }
    }

    public func disconnectStore(_ storeId: Int64, event: StoreEventInput, now: Date) async throws -> StoreRecord {
        try await write { db in
            guard var store = try await Self.fetchStore(db, storeId, forUpdate: true) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            try await db.run("DELETE FROM credential WHERE storeId = \(storeId)")
            store.state = .disconnected
            store.updatedAt = now
            try await Self.saveStore(db, store)
            try await Self.insertStoreEvent(db, storeId: storeId, event, now: now)
            return store
        }
    }

    public func removeStore(_ storeId: Int64, force: Bool) async throws {
        try await write { db in
            guard let store = try await Self.fetchStore(db, storeId, forUpdate: true) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            if !force {
                let openOrders = try await db.value(
                    """
                    SELECT count(*)::int8 FROM fulfillmentOrder
                    WHERE storeId = \(storeId) AND state IN ('ready', 'held', 'claimed')
                    """, as: Int.self) ?? 0
                let undelivered = try await db.value(
                    """
                    SELECT count(*)::int8 FROM shipment JOIN fulfillmentOrder ON fulfillmentOrder.id = shipment.orderId
                    WHERE fulfillmentOrder.storeId = \(storeId) AND shipment.state IN ('pending', 'pushing')
                    """, as: Int.self) ?? 0
                if openOrders > 0 || undelivered > 0 {
                    throw StorageError.storeHasUnfinishedWork(
                        store: store.name, openOrders: openOrders, undeliveredShipments: undelivered)
                }
            }
            try await db.run("DELETE FROM store WHERE id = \(storeId)")
        }
    }

    // MARK: Credentials

    public func saveCredential(storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date) async throws {
        try await write { db in
            guard try await Self.fetchStore(db, storeId) != nil else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            try await Self.saveCredential(db, storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
        }
    }

    public func credential(for storeId: Int64) async throws -> CredentialRecord? {
        try await read { db in try await db.one("SELECT * FROM credential WHERE storeId = \(storeId)", Row.credential) }
    }

    public func deleteCredential(for storeId: Int64) async throws -> Bool {
        try await write { db in
            try await db.run("DELETE FROM credential WHERE storeId = \(storeId) RETURNING storeId") > 0
        }
    }

    // MARK: Store history

    public func recordStoreEvent(_ storeId: Int64, _ event: StoreEventInput, now: Date) async throws {
        try await write { db in try await Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
    }

    public func storeEvents(storeId: Int64, limit: Int) async throws -> [StoreEventRecord] {
        try await read { db in
            try await db.all(
                "SELECT * FROM storeEvent WHERE storeId = \(storeId) ORDER BY id DESC LIMIT \(limit)", Row.storeEvent
            ).reversed()
        }
    }

    // MARK: Helpers

    static func checkStatusID(_ id: Int) throws {
        guard (0...14).contains(id) else { throw StorageError.invalidStatusID(id) }
    }

    static func fetchStore(_ db: PostgresConnection, _ id: Int64, forUpdate: Bool = false) async throws -> StoreRecord? {
        forUpdate
            ? try await db.one("SELECT * FROM store WHERE id = \(id) FOR UPDATE", Row.store)
            : try await db.one("SELECT * FROM store WHERE id = \(id)", Row.store)
    }

    static func saveStore(_ db: PostgresConnection, _ store: StoreRecord) async throws {
        try await db.run(
            """
            UPDATE store SET name = \(store.name), platform = \(store.platform.rawValue), storeHash = \(store.storeHash),
              state = \(store.state.rawValue), importStatusId = \(store.importStatusId),
              claimStatusId = \(store.claimStatusId), pollIntervalSeconds = \(store.pollIntervalSeconds),
              updatedAt = \(store.updatedAt)
            WHERE id = \(store.id)
            """)
    }

    private func updateStore(
        _ storeId: Int64, now: Date, event: StoreEventInput?, _ change: @escaping @Sendable (inout StoreRecord) -> Void
    ) async throws -> StoreRecord {
        try await write { db in
            guard var store = try await Self.fetchStore(db, storeId, forUpdate: true) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            change(&store)
            store.updatedAt = now
            try await Self.saveStore(db, store)
            if let event { try await Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
            return store
        }
    }

    static func insertStoreEvent(_ db: PostgresConnection, storeId: Int64, _ event: StoreEventInput, now: Date)
        async throws
    {
        // Plain JSONEncoder, as the SQLite engine writes store event details.
        let detail = try event.detail.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try await db.run(
            """
            INSERT INTO storeEvent (storeId, at, kind, actor, detail)
            VALUES (\(storeId), \(now), \(event.kind), \(event.actor), \(detail))
            """)
    }

    private static func saveCredential(
        _ db: PostgresConnection, storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date
    ) async throws {
        try await db.run(
            """
            INSERT INTO credential (storeId, ciphertext, nonce, keyId, createdAt)
            VALUES (\(storeId), \(ciphertext), \(nonce), \(keyID), \(now))
            ON CONFLICT (storeId) DO UPDATE SET ciphertext = excluded.ciphertext, nonce = excluded.nonce,
              keyId = excluded.keyId, createdAt = excluded.createdAt
            """)
    }
}
