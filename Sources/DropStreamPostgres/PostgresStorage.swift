import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// The PostgreSQL engine (DESIGN §10): the same operations as the SQLite engine, on a
/// `PostgresClient` pool that is itself a `Service` and runs in the daemon's service group.
///
/// All of this engine's SQL lives in this module. Writes are one transaction each; claims take
/// rows with `FOR UPDATE SKIP LOCKED`, so workers on several connections (or several daemons)
/// never wait on one writer lock and never get the same order.
public final class PostgresStorage: StorageEngine, Service {
    public let settings: PostgresSettings
    let client: PostgresClient
    let logger: Logger

    private init(settings: PostgresSettings, client: PostgresClient, logger: Logger) {
        self.settings = settings
        self.client = client
        self.logger = logger
    }

    /// Connects once, migrates the database to this build's schema (refusing one migrated by a
    /// newer build), and returns the engine. Run the engine (``run()``) for its pool to work.
    ///
    /// - Throws: ``StorageError/cannotOpen(path:reason:)`` when the server cannot be reached or
    ///   refuses the login (the message names the redacted URL, never the password), or
    ///   ``StorageError/newerSchema(path:unknownMigrations:latestKnownMigration:)``.
    public static func open(settings: PostgresSettings, logger: Logger) async throws -> PostgresStorage {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                configuration: try connectionConfiguration(settings), id: 0, logger: logger)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.cannotOpen(path: settings.redactedURL, reason: PostgresErrors.describe(error))
        }
        do {
            try await PostgresSchema.migrate(connection, location: settings.redactedURL, logger: logger)
        } catch {
            try? await connection.close()
            if error is StorageError { throw error }
            throw StorageError.cannotOpen(path: settings.redactedURL, reason: PostgresErrors.describe(error))
        }
        try? await connection.close()
        let client = PostgresClient(configuration: try clientConfiguration(settings), backgroundLogger: logger)
        return PostgresStorage(settings: settings, client: client, logger: logger)
    }

    /// The pool's whole life: connections are made on demand and closed when this returns
    /// (on graceful shutdown, or when the task running it is cancelled).
    public func run() async {
        await client.run()
    }

    // MARK: The engine itself

    public var location: String { settings.redactedURL }
    public var engineName: String { "postgresql" }
    public var knownMigrations: [String] { PostgresSchema.migrations.map(\.identifier) }

    public func schemaVersion() async throws -> SchemaVersion {
        try await read { connection in
            SchemaVersion(appliedMigrations: try await PostgresSchema.appliedMigrations(connection))
        }
    }

    public func sizeOnDisk() async -> Int64 {
        (try? await read { connection in
            try await connection.query("SELECT pg_database_size(current_database())::int8", logger: self.logger)
                .collect().first?.decode(Int64.self)
        }) ?? 0
    }

    public func isStorageRefusal(_ error: any Error) -> Bool { PostgresErrors.isStorageRefusal(error) }
    public func isUnavailable(_ error: any Error) -> Bool { PostgresErrors.isUnavailable(error) }

    public func checkHealth(now: Date) async throws {
        try await write { connection in
            try await connection.query(
                """
                INSERT INTO healthProbe (id, checkedAt) VALUES (1, \(now))
                ON CONFLICT (id) DO UPDATE SET checkedAt = excluded.checkedAt
                """, logger: self.logger)
        }
    }

    // MARK: Transactions

    /// One transaction: committed when `body` returns, rolled back when it throws.
    @discardableResult
    func write<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            // Surface the closure's own error (a StorageError the caller matches on), not the wrapper.
            if let closureError = error.closureError { throw closureError }
            throw error
        }
    }

    /// Reads on one pooled connection (each statement sees committed data).
    @discardableResult
    func read<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { connection in try await body(connection) }
    }

    // MARK: Configuration

    static func clientConfiguration(_ settings: PostgresSettings) throws -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        switch settings.endpoint {
        case let .tcp(host, port):
            configuration = PostgresClient.Configuration(
                host: host, port: port, username: settings.user, password: settings.password,
                database: settings.database, tls: try tlsConfiguration(settings).map { .require($0) } ?? .disable)
        case let .unixSocket(directory, port):
            configuration = PostgresClient.Configuration(
                unixSocketPath: socketPath(directory: directory, port: port), username: settings.user,
                password: settings.password, database: settings.database)
        }
        configuration.options.maximumConnections = settings.poolSize
        configuration.options.minimumConnections = 0
        configuration.options.connectTimeout = settings.connectTimeout
        return configuration
    }

    static func connectionConfiguration(_ settings: PostgresSettings) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        switch settings.endpoint {
        case let .tcp(host, port):
            let tlsSetting: PostgresConnection.Configuration.TLS =
                try tlsConfiguration(settings).map { .require(try NIOSSLContext(configuration: $0)) } ?? .disable
            configuration = PostgresConnection.Configuration(
                host: host, port: port, username: settings.user, password: settings.password,
                database: settings.database, tls: tlsSetting)
        case let .unixSocket(directory, port):
            configuration = PostgresConnection.Configuration(
                unixSocketPath: socketPath(directory: directory, port: port), username: settings.user,
                password: settings.password, database: settings.database)
        }
        configuration.options.connectTimeout = TimeAmount.seconds(settings.connectTimeout.components.seconds)
        return configuration
    }

    static func socketPath(directory: String, port: Int) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + ".s.PGSQL.\(port)"
    }

    /// libpq's `sslmode` as NIOSSL settings; `nil` for `disable`.
    static func tlsConfiguration(_ settings: PostgresSettings) throws -> TLSConfiguration? {
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tlsConfiguration.trustRoots = .file(caFile)
        }
        switch settings.tlsMode {
        case .disable:
            return nil
        case .require:
            tlsConfiguration.certificateVerification = .none
        case .verifyCA:
            tlsConfiguration.certificateVerification = .noHostnameVerification
        case .verifyFull:
            tlsConfiguration.certificateVerification = .fullVerification
        }
        return tlsConfiguration
    }
}
