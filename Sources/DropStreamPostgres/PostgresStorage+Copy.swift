import DropStreamCore
import DropStreamStorage
import Foundation
import PostgresNIO

// The PostgreSQL side of moving an installation here (DESIGN §10): the copied rows are written
// in ONE transaction, so an interrupted copy leaves the target as empty as it was.

extension PostgresStorage: StorageCopySource {
    /// Whether every copied table is empty (the copy refuses a target that holds anything).
    public func isEmptyForCopy() async throws -> Bool {
        try await read { db in
            for table in StorageCopyPlan.tables {
                if try await db.value(PostgresQuery(unsafeSQL: "SELECT 1 FROM \(table.name) LIMIT 1"), as: Int.self) != nil {
                    return false
                }
            }
            return true
        }
    }

    /// Writes every table of the plan, pulling pages from `source` (key order), in one
    /// transaction; then moves each identity sequence past the copied ids. Returns the rows
    /// written per table.
    public func importCopy(from source: any StorageCopySource, pageSize: Int = 500) async throws -> [String: Int] {
        try await write { db in
            var written: [String: Int] = [:]
            for table in StorageCopyPlan.tables {
                var after: CopyValue?
                var count = 0
                while true {
                    let rows = try await source.copyRows(of: table, after: after, limit: pageSize)
                    guard !rows.isEmpty else { break }
                    try await Self.insert(rows, into: table, db)
                    count += rows.count
                    after = rows.last![0]
                }
                if table.hasIdentity {
                    try await db.run(PostgresQuery(unsafeSQL: """
                        SELECT setval(pg_get_serial_sequence('\(table.name.lowercased())', 'id'),
                                      coalesce(max(id), 1), max(id) IS NOT NULL) FROM \(table.name)
                        """))
                }
                written[table.name] = count
            }
            return written
        }
    }

    public func copyRows(of table: CopyTable, after: CopyValue?, limit: Int) async throws -> [[CopyValue]] {
        let columns = table.columns.joined(separator: ", ")
        // COLLATE "C": keys compare bytewise, as SQLite compares them.
        let key = table.kinds[0] == .text ? "\(table.key) COLLATE \"C\"" : table.key
        var binds = PostgresBindings()
        var sql = "SELECT \(columns) FROM \(table.name)"
        if let after {
            try Self.bind(after, kind: table.kinds[0], into: &binds)
            sql += " WHERE \(key) > $1"
        }
        binds.append(limit)
        sql += " ORDER BY \(key) LIMIT $\(binds.count)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await read { db in
            try await db.all(query) { row in
                try table.kinds.indices.map { index in try Self.copyValue(row[index], kind: table.kinds[index]) }
            }
        }
    }

    private static func insert(_ rows: [[CopyValue]], into table: CopyTable, _ db: PostgresConnection) async throws {
        var binds = PostgresBindings(capacity: rows.count * table.columns.count)
        var tuples: [String] = []
        for row in rows {
            var placeholders: [String] = []
            for (value, kind) in zip(row, table.kinds) {
                try bind(value, kind: kind, into: &binds)
                placeholders.append("$\(binds.count)")
            }
            tuples.append("(" + placeholders.joined(separator: ", ") + ")")
        }
        // OVERRIDING SYSTEM VALUE is not needed for BY DEFAULT identities; the ids are kept.
        let sql = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES "
            + tuples.joined(separator: ", ")
        try await db.run(PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    private static func bind(_ value: CopyValue, kind: CopyColumnKind, into binds: inout PostgresBindings) throws {
        switch (value, kind) {
        case (.null, _): binds.appendNull()
        case (.integer(let n), .boolean): binds.append(n != 0)
        case (.integer(let n), _): binds.append(n)
        case (.text(let s), _): binds.append(s)
        case (.blob(let d), _): try binds.append(d)
        case (.date(let ms), _): binds.append(Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }

    private static func copyValue(_ cell: PostgresCell, kind: CopyColumnKind) throws -> CopyValue {
        switch kind {
        case .integer:
            // int4 and int8 columns alike.
            return try cell.decode(Int64?.self).map(CopyValue.integer) ?? .null
        case .boolean:
            return try cell.decode(Bool?.self).map { .integer($0 ? 1 : 0) } ?? .null
        case .text:
            return try cell.decode(String?.self).map(CopyValue.text) ?? .null
        case .blob:
            return try cell.decode(Data?.self).map(CopyValue.blob) ?? .null
        case .date:
            return try cell.decode(Date?.self).map { .date(milliseconds: Int64(($0.timeIntervalSince1970 * 1000).rounded())) }
                ?? .null
        }
    }
}
