import DropStreamCore
import DropStreamStorage
import Foundation
import GRDB

// The SQLite side of moving an installation to another engine (DESIGN §10): read-only.

extension SQLiteStorage: StorageCopySource {
    /// Opens an existing database read-only for a copy: nothing is migrated or written, and a
    /// database whose schema is not exactly this build's is refused (start this dropstreamd on
    /// it once first, so it migrates).
    public static func openForCopy(path: String) async throws -> SQLiteStorage {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError.cannotOpen(path: path, reason: "no such file")
        }
        var configuration = makeConfiguration()
        configuration.readonly = true
        let database = try open(path: path, configuration: configuration)
        let applied = try await database.schemaVersion().appliedMigrations
        guard applied == knownMigrations else {
            throw StorageError.invalidArgument(
                "The database at \(path) is at schema \(applied.last ?? "none"), this build's is "
                    + "\(knownMigrations.last ?? "none"): start this version of dropstreamd on it once (it migrates), "
                    + "stop it, then copy.")
        }
        return database
    }

    public func copyRows(of table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]] {
        let columns = table.columns.joined(separator: ", ")
        let afterValue: DatabaseValue? = after.map(Self.databaseValue)
        return try await writer.read { db in
            let sql = afterValue == nil
                ? "SELECT \(columns) FROM \(table.name) ORDER BY \(table.key) LIMIT ?"
                : "SELECT \(columns) FROM \(table.name) WHERE \(table.key) > ? ORDER BY \(table.key) LIMIT ?"
            let arguments: StatementArguments = afterValue.map { [$0, limit] } ?? [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                try zip(table.kinds.indices, table.kinds).map { index, kind in
                    try Self.copyValue(row[index] as DatabaseValue, kind: kind, table: table.name, column: table.columns[index])
                }
            }
        }
    }

    private static func copyValue(_ value: DatabaseValue, kind: CopyColumnKind, table: String, column: String) throws
        -> CopyValue
    {
        if value.isNull { return .null }
        let converted: CopyValue?
        switch kind {
        case .integer, .boolean: converted = Int64.fromDatabaseValue(value).map(CopyValue.integer)
        case .text: converted = String.fromDatabaseValue(value).map(CopyValue.text)
        case .blob: converted = Data.fromDatabaseValue(value).map(CopyValue.blob)
        case .date: converted = Date.fromDatabaseValue(value).map { .date(milliseconds: $0.copyMilliseconds) }
        }
        guard let converted else {
            throw StorageError.invalidArgument("\(table).\(column) holds a value that is not \(kind): \(value).")
        }
        return converted
    }

    private static func databaseValue(_ value: CopyValue) -> DatabaseValue {
        switch value {
        case .null: return .null
        case .integer(let n): return n.databaseValue
        case .text(let s): return s.databaseValue
        case .blob(let d): return d.databaseValue
        case .date(let ms): return Date(timeIntervalSince1970: Double(ms) / 1000).databaseValue
        }
    }
}

extension Date {
    /// Milliseconds since 1970, rounded: the stored text has milliseconds, and a double read back
    /// from it may fall a hair below.
    var copyMilliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
