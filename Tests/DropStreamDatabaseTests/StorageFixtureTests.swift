import DropStreamPostgres
import DropStreamStorage
import DropStreamTestWorld
import Foundation
import Testing

/// The fixture the behaviour suite stands on: each test gets its own empty, migrated database,
/// and nothing of it is left afterwards. Runs under `scripts/with-postgres.sh` (make test).
@Suite struct StorageFixtureTests {
    @Test func aPostgreSQLFixtureIsAFreshMigratedDatabaseDroppedAfterwards() async throws {
        let server = try TestPostgresServer.fromEnvironment()
        let name = try await withPostgresStorage { (storage: PostgresStorage) async throws -> String in
            // Given a fixture, its database exists on the server and is migrated to this build's schema
            let name = storage.settings.database
            #expect(try await server.fixtureDatabases().contains(name))
            #expect(try await storage.schemaVersion().appliedMigrations == storage.knownMigrations)
            #expect(storage.engineName == "postgresql")
            return name
        }
        // Then it is gone once the test body returned
        #expect(try await !server.fixtureDatabases().contains(name))
    }

    @Test func aPostgreSQLFixtureIsDroppedAlsoWhenTheTestThrows() async throws {
        struct Boom: Error {}
        let server = try TestPostgresServer.fromEnvironment()
        let seen = LockedBox<String?>(nil)
        await #expect(throws: Boom.self) {
            try await withPostgresStorage { (storage: PostgresStorage) -> Void in
                seen.set(storage.settings.database)
                throw Boom()
            }
        }
        let name = try #require(seen.get())
        #expect(try await !server.fixtureDatabases().contains(name))
    }

    @Test func twoFixturesNeverShareADatabase() async throws {
        try await withPostgresStorage { first in
            try await withPostgresStorage { second in
                #expect(first.settings.database != second.settings.database)
            }
        }
    }

    @Test func withoutTheTestServerTheFixtureFailsSayingHowToRunIt() {
        let error = #expect(throws: StorageFixtureError.self) {
            try TestPostgresServer.fromEnvironment([:])
        }
        #expect(error?.description.contains("scripts/with-postgres.sh") == true)
        #expect(error?.description.contains("DROPSTREAM_TEST_POSTGRES_SOCKET_DIR") == true)
    }

    @Test func anSQLiteFixtureIsEmptyAndItsFileRemovedAfterwards() async throws {
        let location = try await withStorage(.sqlite) { (storage: any StorageEngine) async throws -> String in
            #expect(try await storage.stores().isEmpty)
            #expect(try await storage.schemaVersion().appliedMigrations == storage.knownMigrations)
            #expect(FileManager.default.fileExists(atPath: storage.location))
            return storage.location
        }
        #expect(!FileManager.default.fileExists(atPath: location))
    }
}

/// A value a test's closure sets and the test reads afterwards.
private final class LockedBox<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
