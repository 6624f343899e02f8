import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// Stores and their credentials (DESIGN §2 flows 1-3 and 8).

extension SQLiteStorage {
    /// Adds a store, awaiting authorization.
    ///
    /// - Throws: ``StorageError/duplicateStoreName(_:)`` or
    ///   ``StorageError/duplicateStoreHash(platform:storeHash:existingStore:)`` (names compare
    ///   case-insensitively), ``StorageError/invalidStatusID(_:)``; nothing is written then.
    @discardableResult
    public func addStore(
        name: String, platform: Platform, storeHash: String,
        importStatusID: Int = defaultImportStatusID, claimStatusID: Int? = nil, actor: String = "operator", now: Date = Date()
    ) async throws -> StoreRecord {
        try Self.checkStatusID(importStatusID)
        if let claimStatusID {
            try Self.checkStatusID(claimStatusID)
            guard claimStatusID != importStatusID else {
                throw StorageError.invalidArgument("The claim status cannot be the import status (\(importStatusID)).")
            }
        }
        return try await writer.write { db in
            if try StoreRecord.filter(StoreRecord.Columns.name == name).fetchOne(db) != nil {
                throw StorageError.duplicateStoreName(name)
            }
            if let existing = try StoreRecord
                .filter(StoreRecord.Columns.platform == platform.rawValue && StoreRecord.Columns.storeHash == storeHash)
                .fetchOne(db)
            {
                throw StorageError.duplicateStoreHash(
                    platform: platform, storeHash: storeHash, existingStore: existing.name)
            }
            let store = try StoreRecord.fetchOne(
                db,
                sql: """
                    INSERT INTO store (name, platform, storeHash, state, importStatusId, claimStatusId, createdAt, updatedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                    """,
                arguments: [name, platform, storeHash, StoreState.awaitingAuthorization, importStatusID, claimStatusID, now, now])!
            try Self.insertStoreEvent(
                db, storeId: store.id, StoreEventInput(kind: "added", actor: actor, detail: [
                    "importStatusId": String(importStatusID), "claimStatusId": claimStatusID.map(String.init) ?? "off",
                ]), now: now)
            return store
        }
    }

    /// The store with this name (case-insensitive), if any.
    public func store(named name: String) async throws -> StoreRecord? {
        try await writer.read { db in try StoreRecord.filter(StoreRecord.Columns.name == name).fetchOne(db) }
    }

    /// The store with this id, if any.
    public func store(id: Int64) async throws -> StoreRecord? {
        try await writer.read { db in try StoreRecord.fetchOne(db, key: id) }
    }

    /// The store with this platform and hash, if any (the auth and uninstall callbacks' lookup).
    public func store(platform: Platform, storeHash: String) async throws -> StoreRecord? {
        try await writer.read { db in
            try StoreRecord
                .filter(StoreRecord.Columns.platform == platform.rawValue && StoreRecord.Columns.storeHash == storeHash)
                .fetchOne(db)
        }
    }

    /// All stores, by name; optionally only those in one state.
    public func stores(state: StoreState? = nil) async throws -> [StoreRecord] {
        try await writer.read { db in
            var request = StoreRecord.order(StoreRecord.Columns.name)
            if let state { request = request.filter(StoreRecord.Columns.state == state.rawValue) }
            return try request.fetchAll(db)
        }
    }

    /// Moves a store to another connection state (pause, resume, needs re-authorization...).
    @discardableResult
    public func setStoreState(
        _ storeId: Int64, to state: StoreState, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        try await updateStore(storeId, now: now, event: event) { $0.state = state }
    }

    /// Sets the store-side status whose orders are imported (validated against the store by the caller).
    @discardableResult
    public func setImportStatus(
        _ storeId: Int64, statusID: Int, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        try Self.checkStatusID(statusID)
        return try await updateStore(storeId, now: now, event: event) { $0.importStatusId = statusID }
    }

    /// Sets the status flipped in the store on claim; `nil` turns the flip off. Claims from now
    /// on use it; flips already queued but not sent are dropped when they come due (the pusher
    /// re-checks the store's setting), flips already made are still put back on release.
    ///
    /// - Throws: ``StorageError/invalidStatusID(_:)``, or
    ///   ``StorageError/invalidArgument(_:)`` when it equals the store's import status.
    @discardableResult
    public func setClaimStatus(
        _ storeId: Int64, statusID: Int?, event: StoreEventInput? = nil, now: Date = Date()
    ) async throws -> StoreRecord {
        if let statusID { try Self.checkStatusID(statusID) }
        return try await writer.write { db in
            guard var store = try StoreRecord.fetchOne(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            if let statusID, statusID == store.importStatusId {
                throw StorageError.invalidArgument(
                    "The claim status cannot be the import status (\(statusID)): a claimed order would look unclaimed in the store.")
            }
            store.claimStatusId = statusID
            store.updatedAt = now
            try store.update(db)
            if let event { try Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
            return store
        }
    }

    /// Sets the store's poll interval in seconds; `nil` = the configured default.
    @discardableResult
    public func setPollInterval(_ storeId: Int64, seconds: Int?, now: Date = Date()) async throws -> StoreRecord {
        if let seconds, seconds <= 0 {
            throw StorageError.invalidArgument("The poll interval must be positive (got \(seconds) s).")
        }
        return try await updateStore(storeId, now: now) { $0.pollIntervalSeconds = seconds }
    }

    /// Stores the encrypted token and marks the store active, in one transaction (the end of
    /// a successful OAuth callback). Only a store awaiting (re)authorization accepts it.
    @discardableResult
    public func completeAuthorization(
        storeId: Int64, ciphertext: Data, nonce: Data, keyID: String = "default", now: Date = Date()
    ) async throws -> StoreRecord {
        try await writer.write { db in
            guard var store = try StoreRecord.fetchOne(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            let previous = store.state
            guard store.state == .awaitingAuthorization || store.state == .needsReauthorization else {
                throw StorageError.invalidArgument(
                    "Store \"\(store.name)\" is \(store.state.rawValue), not awaiting authorization.")
            }
            try Self.saveCredential(db, storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
            store.state = .active
            store.updatedAt = now
            try store.update(db)
            try Self.insertStoreEvent(
                db, storeId: storeId, StoreEventInput(kind: "authorized", actor: "store", detail: ["from": previous.rawValue]), now: now)
            return store
        }
    }

    /// Disconnects a store: state `disconnected`, credential deleted; orders, history, rules
    /// and sync records are kept (the uninstall callback and `store remove` without `--purge`).
    @discardableResult
    public func disconnectStore(
        _ storeId: Int64, event: StoreEventInput = StoreEventInput(kind: "disconnected", actor: "operator"), now: Date = Date()
    ) async throws -> StoreRecord {
        try await writer.write { db in
            guard var store = try StoreRecord.fetchOne(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            _ = try CredentialRecord.deleteOne(db, key: storeId)
            store.state = .disconnected
            store.updatedAt = now
            try store.update(db)
            try Self.insertStoreEvent(db, storeId: storeId, event, now: now)
            return store
        }
    }

    /// Deletes a store and everything that belongs to it (credential, cursor, orders and their
    /// history, shipments, rules, sync runs) through the schema's `ON DELETE CASCADE`.
    ///
    /// Decision: removal is permanent, so it refuses while the store has orders in the queue
    /// (`ready`, `held`, `claimed`) or shipments not yet delivered, unless `force` is set. To stop
    /// syncing but keep history, use ``disconnectStore(_:now:)``.
    public func removeStore(_ storeId: Int64, force: Bool = false) async throws {
        try await writer.write { db in
            guard let store = try StoreRecord.fetchOne(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            if !force {
                let openOrders = try Int.fetchOne(
                    db,
                    sql: "SELECT COUNT(*) FROM fulfillmentOrder WHERE storeId = ? AND state IN ('ready', 'held', 'claimed')",
                    arguments: [storeId])!
                let undelivered = try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM shipment JOIN fulfillmentOrder ON fulfillmentOrder.id = shipment.orderId
                        WHERE fulfillmentOrder.storeId = ? AND shipment.state IN ('pending', 'pushing')
                        """,
                    arguments: [storeId])!
                if openOrders > 0 || undelivered > 0 {
                    throw StorageError.storeHasUnfinishedWork(
                        store: store.name, openOrders: openOrders, undeliveredShipments: undelivered)
                }
            }
            _ = try StoreRecord.deleteOne(db, key: storeId)
        }
    }

    // MARK: Credentials

    /// Saves (replaces) a store's encrypted token. The caller encrypts; plaintext never comes here.
    public func saveCredential(
        storeId: Int64, ciphertext: Data, nonce: Data, keyID: String = "default", now: Date = Date()
    ) async throws {
        try await writer.write { db in
            try Self.saveCredential(db, storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyID: keyID, now: now)
        }
    }

    /// The store's encrypted token, if it has one.
    public func credential(for storeId: Int64) async throws -> CredentialRecord? {
        try await writer.read { db in try CredentialRecord.fetchOne(db, key: storeId) }
    }

    /// Deletes the store's token. Returns whether there was one.
    @discardableResult
    public func deleteCredential(for storeId: Int64) async throws -> Bool {
        try await writer.write { db in try CredentialRecord.deleteOne(db, key: storeId) }
    }

    // MARK: Helpers

    static func checkStatusID(_ id: Int) throws {
        guard (0...14).contains(id) else { throw StorageError.invalidStatusID(id) }
    }

    private func updateStore(
        _ storeId: Int64, now: Date, event: StoreEventInput? = nil, _ change: @escaping @Sendable (inout StoreRecord) -> Void
    ) async throws -> StoreRecord {
        try await writer.write { db in
            guard var store = try StoreRecord.fetchOne(db, key: storeId) else {
                throw StorageError.storeNotFound("with id \(storeId)")
            }
            change(&store)
            store.updatedAt = now
            try store.update(db)
            if let event { try Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
            return store
        }
    }

    static func insertStoreEvent(_ db: Database, storeId: Int64, _ event: StoreEventInput, now: Date) throws {
        let detail = try event.detail.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        try db.execute(
            sql: "INSERT INTO storeEvent (storeId, at, kind, actor, detail) VALUES (?, ?, ?, ?, ?)",
            arguments: [storeId, now, event.kind, event.actor, detail])
    }

    // MARK: Store history

    /// Appends an entry to a store's history on its own (for facts that change nothing else).
    public func recordStoreEvent(_ storeId: Int64, _ event: StoreEventInput, now: Date = Date()) async throws {
        try await writer.write { db in try Self.insertStoreEvent(db, storeId: storeId, event, now: now) }
    }

    /// A store's history, newest last; at most `limit` entries (the newest ones).
    public func storeEvents(storeId: Int64, limit: Int = 50) async throws -> [StoreEventRecord] {
        try await writer.read { db in
            try StoreEventRecord
                .filter(StoreEventRecord.Columns.storeId == storeId)
                .order(StoreEventRecord.Columns.id.desc)
                .limit(limit)
                .fetchAll(db)
                .reversed()
        }
    }

    private static func saveCredential(
        _ db: Database, storeId: Int64, ciphertext: Data, nonce: Data, keyID: String, now: Date
    ) throws {
        guard try StoreRecord.exists(db, key: storeId) else {
            throw StorageError.storeNotFound("with id \(storeId)")
        }
        try CredentialRecord(storeId: storeId, ciphertext: ciphertext, nonce: nonce, keyId: keyID, createdAt: now)
            .upsert(db)
    }
}
