import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The DropStream database: one value owning the SQLite connection pool and the migrator, and
/// the only place in the project that knows SQL (GRDB demo-app style).
///
/// Every write is one transaction that keeps the schema's invariants, and every order state
/// transition writes its `orderEvent` row in that same transaction. One process writes (the
/// daemon); GRDB serialises its writes, readers run concurrently under WAL.
public final class SQLiteStorage: StorageEngine {
    /// The database file, or `":memory:"`.
    public let path: String
    /// The connection pool (a queue for in-memory databases).
    let writer: any DatabaseWriter

    private init(path: String, writer: any DatabaseWriter) {
        self.path = path
        self.writer = writer
    }

    /// Opens (creating if needed) the database at `path` and migrates it to this build's schema.
    ///
    /// The file and its `-wal`/`-shm` companions are made mode 0600 whatever the umask: they hold
    /// addresses and encrypted tokens. Opening an existing, current database changes nothing.
    /// A database migrated by a newer build is refused before anything is written to it.
    ///
    /// - Throws: ``StorageError/newerSchema(path:unknownMigrations:latestKnownMigration:)``,
    ///   ``StorageError/cannotOpen(path:reason:)``, or GRDB's `DatabaseError`.
    public static func open(path: String) throws -> SQLiteStorage {
        try open(path: path, configuration: makeConfiguration())
    }

    /// Opens with a given configuration; tests use it to open read-only.
    static func open(path: String, configuration: Configuration) throws -> SQLiteStorage {
        if !configuration.readonly {
            try createPrivateFile(atPath: path)
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        let database = SQLiteStorage(path: path, writer: pool)
        try database.refuseNewerSchema()
        if !configuration.readonly {
            try makeMigrator().migrate(pool)
            // SQLite creates -wal/-shm with the database file's mode; make sure anyway, so a
            // file left behind by an older run with a looser mode is tightened too.
            for suffix in ["-wal", "-shm"] {
                try tightenMode(atPath: path + suffix, mustExist: false)
            }
        }
        return database
    }

    /// An empty, migrated, in-memory database for tests of other modules. Nothing persists.
    public static func openInMemory() throws -> SQLiteStorage {
        let queue = try DatabaseQueue(configuration: makeConfiguration())
        let database = SQLiteStorage(path: ":memory:", writer: queue)
        try makeMigrator().migrate(queue)
        return database
    }

    /// The connection settings every connection gets.
    static func makeConfiguration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "DropStream"
        // GRDB's default, stated because the schema's foreign keys rely on it.
        configuration.foreignKeysEnabled = true
        // The daemon is the only writer, but `sqlite3` or a backup may briefly hold a lock.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // FULL, not WAL's usual NORMAL: a claim handed to a worker must survive a power
            // loss, or the same order could be handed out twice after a reboot.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return configuration
    }

    /// Throws if the database has applied migrations this build does not know.
    private func refuseNewerSchema() throws {
        let migrator = Self.makeMigrator()
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(migrator.migrations)
        if !unknown.isEmpty {
            throw StorageError.newerSchema(
                path: path, unknownMigrations: unknown.sorted(),
                latestKnownMigration: migrator.migrations.last ?? "none")
        }
    }

    /// Creates the file with mode 0600 if it is missing, and tightens an existing one to 0600.
    private static func createPrivateFile(atPath path: String) throws {
        let fd = posixOpen(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        // The umask may only have removed bits; an existing file may be looser. Not being the
        // owner (EPERM) is not fatal: the administrator chose that layout.
        if fchmod(fd, 0o600) != 0, errno != EPERM {
            throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
        }
    }

    private static func tightenMode(atPath path: String, mustExist: Bool) throws {
        if chmod(path, 0o600) != 0 {
            let code = errno
            if code == ENOENT && !mustExist { return }
            if code == EPERM { return }
            throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(code)))
        }
    }
}

/// `open(2)` under a name that does not collide with `SQLiteStorage.open`.
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    #if canImport(Glibc)
    return Glibc.open(path, flags, mode)
    #elseif canImport(Musl)
    return Musl.open(path, flags, mode)
    #else
    return Darwin.open(path, flags, mode)
    #endif
}

// MARK: - Schema version, size, health

extension SQLiteStorage {
    /// The identifiers of every migration this build knows, in order.
    public static var knownMigrations: [String] { makeMigrator().migrations }
    public var knownMigrations: [String] { Self.knownMigrations }
    public var location: String { path }
    public var engineName: String { "sqlite" }

    /// The schema version of this database.
    public func schemaVersion() async throws -> SchemaVersion {
        let migrator = Self.makeMigrator()
        return SchemaVersion(appliedMigrations: try await writer.read { db in try migrator.appliedMigrations(db) })
    }

    /// Bytes on disk: the database file plus its write-ahead log (0 in memory).
    public func sizeOnDisk() async -> Int64 { fileSize() }

    /// Bytes on disk: the database file plus its write-ahead log (0 in memory).
    public func fileSize() -> Int64 {
        guard path != ":memory:" else { return 0 }
        return [path, path + "-wal"].reduce(0) { total, file in
            var info = stat()
            return stat(file, &info) == 0 ? total + Int64(info.st_size) : total
        }
    }

    /// Whether `error` says the database's storage refuses writes — the disk is full
    /// (`SQLITE_FULL`) or the file or its filesystem is read-only (`SQLITE_READONLY`) — as
    /// opposed to a wedge such as a lock held forever. Restarting the daemon cannot fix these;
    /// freeing space or remounting read-write does, and the next write then simply works.
    public static func isStorageRefusal(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_FULL || error.resultCode == .SQLITE_READONLY
    }

    public func isStorageRefusal(_ error: any Error) -> Bool { Self.isStorageRefusal(error) }

    /// A file on a local disk never goes away the way a server does: never.
    public func isUnavailable(_ error: any Error) -> Bool { false }

    /// A cheap write probe for the watchdog: commits one tiny row.
    ///
    /// Fails when the disk is full or read-only, the file was deleted from under us, or a lock
    /// is held longer than the busy timeout — the cases where the daemon must stop claiming health.
    public func checkHealth(now: Date = Date()) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO healthProbe (id, checkedAt) VALUES (1, ?)
                    ON CONFLICT (id) DO UPDATE SET checkedAt = excluded.checkedAt
                    """,
                arguments: [now])
        }
    }
}
