import Crypto
import DropStreamPostgres
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging

/// What `dropstreamd copy-to-postgresql` found: per table, the rows and a checksum on each side.
public struct DatabaseCopyReport: Codable, Sendable, Hashable {
    public struct Table: Codable, Sendable, Hashable {
        public var table: String
        public var sourceRows: Int
        public var targetRows: Int
        /// SHA-256 over the table's rows in key order, values as the copy compares them.
        public var sourceChecksum: String
        public var targetChecksum: String
        public var matches: Bool { sourceRows == targetRows && sourceChecksum == targetChecksum }

        enum CodingKeys: String, CodingKey {
            case table, sourceRows = "source_rows", targetRows = "target_rows", sourceChecksum = "source_checksum"
            case targetChecksum = "target_checksum", matches
        }

        public init(table: String, sourceRows: Int, targetRows: Int, sourceChecksum: String, targetChecksum: String) {
            self.table = table
            self.sourceRows = sourceRows
            self.targetRows = targetRows
            self.sourceChecksum = sourceChecksum
            self.targetChecksum = targetChecksum
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self.init(
                table: try container.decode(String.self, forKey: .table),
                sourceRows: try container.decode(Int.self, forKey: .sourceRows),
                targetRows: try container.decode(Int.self, forKey: .targetRows),
                sourceChecksum: try container.decode(String.self, forKey: .sourceChecksum),
                targetChecksum: try container.decode(String.self, forKey: .targetChecksum))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(table, forKey: .table)
            try container.encode(sourceRows, forKey: .sourceRows)
            try container.encode(targetRows, forKey: .targetRows)
            try container.encode(sourceChecksum, forKey: .sourceChecksum)
            try container.encode(targetChecksum, forKey: .targetChecksum)
            try container.encode(matches, forKey: .matches)
        }
    }

    public var source: String
    public var target: String
    public var tables: [Table]
    public var seconds: Double
    public var matches: Bool { tables.allSatisfy(\.matches) }
}

/// Why the copy did not run or did not prove itself; `exitCode` follows sysexits.h.
public struct DatabaseCopyError: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32
    public var description: String { message }
}

/// The offline move of an installation from its SQLite file to an empty PostgreSQL database
/// (DESIGN §10). The SQLite file is opened read-only and never changed; the target is written in
/// one transaction and then read back: counts and a checksum per table, compared with the source.
public enum DatabaseCopy {
    public static func copySQLiteToPostgres(
        stateDirectory: String, databasePath: String, postgres: PostgresSettings, logger: Logger
    ) async throws -> DatabaseCopyReport {
        let started = ContinuousClock.now
        // A running daemon holds this lock: copying a database that is still being written
        // would copy a moving target.
        let lock: StateDirectoryLock
        do {
            lock = try StateDirectoryLock.acquire(directory: stateDirectory)
        } catch {
            throw DatabaseCopyError(
                message: "\(error.message) Stop the daemon first (systemctl stop dropstreamd).", exitCode: 75)
        }
        defer { lock.release() }

        let source: SQLiteStorage
        do {
            source = try await SQLiteStorage.openForCopy(path: databasePath)
        } catch {
            throw DatabaseCopyError(message: "cannot read the SQLite database: \(error)", exitCode: 65)
        }
        let target: PostgresStorage
        do {
            target = try await PostgresStorage.open(settings: postgres, logger: logger)
        } catch {
            throw DatabaseCopyError(message: "cannot use the PostgreSQL database: \(error)", exitCode: 69)
        }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await target.run() }
            defer { group.cancelAll() }
            guard try await target.isEmptyForCopy() else {
                throw DatabaseCopyError(
                    message: "the PostgreSQL database \(postgres.redactedURL) is not empty; the copy only fills an empty "
                        + "database (create a new one, or drop and re-create this one)",
                    exitCode: 73)
            }
            logger.notice("copying", metadata: ["source": .string(databasePath), "target": .string(postgres.redactedURL)])
            _ = try await target.importCopy(from: source)
            var tables: [DatabaseCopyReport.Table] = []
            for table in StorageCopyPlan.tables {
                let (sourceRows, sourceChecksum) = try await digest(table, of: source)
                let (targetRows, targetChecksum) = try await digest(table, of: target)
                tables.append(DatabaseCopyReport.Table(
                    table: table.name, sourceRows: sourceRows, targetRows: targetRows, sourceChecksum: sourceChecksum,
                    targetChecksum: targetChecksum))
            }
            let elapsed = ContinuousClock.now - started
            return DatabaseCopyReport(
                source: databasePath, target: postgres.redactedURL, tables: tables,
                seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    /// Rows and SHA-256 of one table, read in key order a page at a time.
    static func digest(_ table: CopyTable, of engine: any StorageCopySource) async throws -> (Int, String) {
        var hasher = SHA256()
        var count = 0
        var after: CopyValue?
        while true {
            let rows = try await engine.copyRows(of: table, after: after, limit: 2_000)
            guard let last = rows.last else { break }
            for row in rows {
                for value in row { feed(value, into: &hasher) }
            }
            count += rows.count
            after = last[0]
        }
        return (count, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// A tag and a length before each value, so no two different rows hash the same bytes.
    private static func feed(_ value: CopyValue, into hasher: inout SHA256) {
        func bytes(_ tag: UInt8, _ data: Data) {
            var length = UInt64(data.count).bigEndian
            hasher.update(data: [tag])
            withUnsafeBytes(of: &length) { hasher.update(bufferPointer: $0) }
            hasher.update(data: data)
        }
        switch value {
        case .null: bytes(0, Data())
        case .integer(let n): bytes(1, withUnsafeBytes(of: n.bigEndian) { Data($0) })
        case .text(let s): bytes(2, Data(s.utf8))
        case .blob(let d): bytes(3, d)
        case .date(let ms): bytes(4, withUnsafeBytes(of: ms.bigEndian) { Data($0) })
        }
    }
}
