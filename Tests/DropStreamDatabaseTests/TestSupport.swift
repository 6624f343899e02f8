import DropStreamCore
import Foundation
import GRDB
import Testing

@testable import DropStreamSQLite
import DropStreamStorage

/// A fresh directory per test, removed afterwards: tests run in parallel and share nothing.
func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("dropstream-db-tests-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try await body(directory)
}

/// A migrated SQLite database in its own temporary directory, for the tests that reach behind the
/// seam (GRDB, raw SQL, files). Behaviour tests take a `TestEngine` and use `withStorage(_:_:)`.
func withDatabase<T>(_ body: (SQLiteStorage) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { directory in
        let database = try SQLiteStorage.open(path: directory + "/dropstream.sqlite")
        return try await body(database)
    }
}

/// A fixed clock, so dates compare exactly after the database's millisecond rounding.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)
func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }

func samplePayload(sku: String = "SKU-1", quantity: Int = 1) -> OrderPayload {
    OrderPayload(
        lines: [OrderLine(lineID: "L1", sku: sku, name: "Widget", quantity: quantity)],
        shippingAddress: ShippingAddress(
            addressID: "A1", firstName: "Ada", lastName: "Lovelace", street1: "1 Main St", city: "Austin",
            state: "Texas", zip: "78701", country: "United States", countryISO2: "US"),
        shippingMethod: "Free Shipping",
        customerMessage: nil)
}

func importedOrder(_ id: String, modified: Date = t0, status: Int = 11, quantity: Int = 1, holdReason: String? = nil)
    -> ImportedOrder
{
    ImportedOrder(externalOrderID: id, storeStatusID: status, dateModified: modified,
                  payload: samplePayload(quantity: quantity), holdReason: holdReason)
}

/// Adds a store and `count` ready orders (ids "1"..."count", created one second apart).
@discardableResult
func seedStore(_ database: any StorageEngine, name: String = "acme", hash: String? = nil, orders count: Int = 0)
    async throws -> StoreRecord
{
    let store = try await database.addStore(name: name, platform: .bigcommerce, storeHash: hash ?? "hash-\(name)")
    for i in 0..<count {
        try await database.upsertImportedOrder(storeId: store.id, importedOrder("\(i + 1)"), now: at(Double(i)))
    }
    return store
}

/// Runs raw SQL, for tests that try to break the schema's invariants behind the API's back.
func execute(_ database: SQLiteStorage, _ sql: String, _ arguments: StatementArguments = []) async throws {
    try await database.writer.write { db in try db.execute(sql: sql, arguments: arguments) }
}

/// The SQLite extended result code of a thrown error, if it is a database error.
func resultCode(_ error: any Error) -> ResultCode? { (error as? DatabaseError)?.extendedResultCode }

/// File permission bits.
func mode(of path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return (attributes[.posixPermissions] as! NSNumber).intValue & 0o777
}
