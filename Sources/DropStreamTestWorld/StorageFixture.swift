import DropStreamPostgres
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging
import PostgresNIO

/// The storage engines the behaviour suite runs against (DESIGN §10): a test that takes a
/// `TestEngine` argument (`@Test(arguments: TestEngine.allCases)`) proves its behaviour on both.
public enum TestEngine: String, CaseIterable, Sendable, CustomStringConvertible {
    case sqlite
    case postgresql

    public var description: String { rawValue }
}

/// Why a storage fixture could not give a test its engine. Each message says what to do.
public enum StorageFixtureError: Error, CustomStringConvertible {
    /// The test process was not started with a throwaway PostgreSQL server.
    case noPostgresServer(missingVariable: String)

    public var description: String {
        switch self {
        case let .noPostgresServer(variable):
            return "\(variable) is not set: the PostgreSQL half of the behaviour suite needs the throwaway "
                + "server that scripts/with-postgres.sh starts. Run the tests as `make test`, or as "
                + "`scripts/with-postgres.sh swift test --filter ...`. No test is skipped for want of PostgreSQL."
        }
    }
}

/// Runs `body` with a fresh, empty, migrated engine of the given kind, and removes it afterwards
/// (whether `body` returned or threw).
///
/// - SQLite: a database file in its own temporary directory (a file, not `:memory:`, so the
///   engine runs with the connection pool and WAL the daemon uses).
/// - PostgreSQL: a database of its own on the throwaway server (``TestPostgresServer``), made
///   with `CREATE DATABASE`, opened with `PostgresStorage.open`, its pool run in a task; then the
///   task is cancelled and the database dropped `WITH (FORCE)`.
///
/// Swift Testing has no async teardown, hence a closure rather than a value with a `deinit`.
public func withStorage<T>(
    _ engine: TestEngine, _ body: (any StorageEngine) async throws -> T
) async throws -> T {
    switch engine {
    case .sqlite:
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropstream-storage-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        return try await body(try SQLiteStorage.open(path: directory + "/dropstream.sqlite"))
    case .postgresql:
        return try await withPostgresStorage { storage in
            try await body(storage)
        }
    }
}

/// Runs `body` with a `PostgresStorage` on a fresh database of the throwaway server, its pool
/// running; cancels the pool and drops the database afterwards (also when `body` throws).
public func withPostgresStorage<T>(
    logger: Logger = TestPostgresServer.quietLogger, _ body: (PostgresStorage) async throws -> T
) async throws -> T {
    let server = try TestPostgresServer.fromEnvironment()
    let database = try await server.createDatabase(logger: logger)
    let storage: PostgresStorage
    do {
        storage = try await PostgresStorage.open(settings: server.settings(database: database), logger: logger)
    } catch {
        try? await server.dropDatabase(database, logger: logger)
        throw error
    }
    // The pool serves queries only while run() runs (it is a Service); a task stands in for the
    // daemon's service group here.
    let pool = Task { await storage.run() }
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(storage))
    } catch {
        outcome = .failure(error)
    }
    pool.cancel()
    await pool.value
    try await server.dropDatabase(database, logger: logger)
    return try outcome.get()
}

/// The throwaway PostgreSQL server that `scripts/with-postgres.sh` starts around the test command
/// (Unix socket only, trust authentication, a superuser role), as its environment names it.
public struct TestPostgresServer: Sendable {
    /// The variable naming the server's socket directory.
    public static let socketDirectoryVariable = "DROPSTREAM_TEST_POSTGRES_SOCKET_DIR"
    /// The socket directory (`DIR/.s.PGSQL.PORT` is the socket).
    public let socketDirectory: String
    /// The port in the socket file's name; no TCP port is open.
    public let port: Int
    /// A role that may create and drop databases.
    public let user: String

    /// Warnings and errors only: a parallel suite opening hundreds of databases would otherwise
    /// print every migration.
    public static var quietLogger: Logger {
        var logger = Logger(label: "dropstream.test.postgresql")
        logger.logLevel = .warning
        return logger
    }

    public init(socketDirectory: String, port: Int = 5432, user: String = "postgres") {
        self.socketDirectory = socketDirectory
        self.port = port
        self.user = user
    }

    /// The server `scripts/with-postgres.sh` started for this process.
    ///
    /// - Throws: ``StorageFixtureError/noPostgresServer(missingVariable:)`` when the process was
    ///   not started under it: a PostgreSQL test then fails, telling how to run it.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> TestPostgresServer
    {
        guard let directory = environment[socketDirectoryVariable], !directory.isEmpty else {
            throw StorageFixtureError.noPostgresServer(missingVariable: socketDirectoryVariable)
        }
        return TestPostgresServer(
            socketDirectory: directory,
            port: environment["DROPSTREAM_TEST_POSTGRES_PORT"].flatMap(Int.init) ?? 5432,
            user: environment["DROPSTREAM_TEST_POSTGRES_USER"] ?? "postgres")
    }

    /// How the engine (or a spawned `dropstreamd`) reaches `database` on this server.
    public func settings(database: String, poolSize: Int = 4) -> PostgresSettings {
        PostgresSettings(
            endpoint: .unixSocket(directory: socketDirectory, port: port), database: database, user: user,
            poolSize: poolSize, connectTimeout: .seconds(10))
    }

    /// Creates an empty database with a name of its own (tests run in parallel) and returns the name.
    public func createDatabase(logger: Logger = TestPostgresServer.quietLogger) async throws -> String {
        // Lower-case letters and digits only, so the name needs no quoting rules beyond the
        // double quotes below (an identifier cannot be a bound parameter).
        let name = "dropstream_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await admin(logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: #"CREATE DATABASE "\#(name)""#), logger: logger)
        }
        return name
    }

    /// Drops `database`, disconnecting whatever still uses it (a pool that has not closed yet).
    public func dropDatabase(_ database: String, logger: Logger = TestPostgresServer.quietLogger) async throws {
        precondition(database.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "not a fixture database name")
        try await admin(logger: logger) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: #"DROP DATABASE IF EXISTS "\#(database)" WITH (FORCE)"#), logger: logger)
        }
    }

    /// The names of the databases the fixtures made that still exist (a test can check it cleaned up).
    public func fixtureDatabases(logger: Logger = TestPostgresServer.quietLogger) async throws -> [String] {
        try await admin(logger: logger) { connection in
            var names: [String] = []
            let rows = try await connection.query(
                "SELECT datname FROM pg_database WHERE datname LIKE 'dropstream\\_test\\_%' ORDER BY datname",
                logger: logger)
            for try await name in rows.decode(String.self) { names.append(name) }
            return names
        }
    }

    /// One connection to the `postgres` maintenance database, closed afterwards.
    private func admin<T>(logger: Logger, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await PostgresConnection.connect(
            configuration: PostgresConnection.Configuration(
                unixSocketPath: (socketDirectory.hasSuffix("/") ? socketDirectory : socketDirectory + "/")
                    + ".s.PGSQL.\(port)",
                username: user, password: nil, database: "postgres"),
            id: 0, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
