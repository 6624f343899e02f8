import DropStreamPostgres
import DropStreamSQLite
import DropStreamStorage
import Foundation
import Logging
import ServiceLifecycle

// Part of the composition root: the only place above the seam that names an engine.

/// The engine the configuration chose, opened and migrated, and the service its connection pool
/// needs in the group (SQLite needs none).
struct OpenedStorage: Sendable {
    let engine: any StorageEngine
    /// Run first in the service group, so it is shut down last, after everything that uses it.
    let service: (any Service)?
}

/// Opens `database.engine`'s engine. Fails before anything runs, so READY=1 still means usable:
/// an unreachable PostgreSQL server is ``DaemonStartupError/Code/databaseUnavailable`` (69,
/// systemd retries), a newer schema ``DaemonStartupError/Code/unusableDatabase`` (65), an
/// unusable password file ``DaemonStartupError/Code/configuration`` (78).
func openStorage(_ configuration: DaemonConfiguration, logger: Logger) async throws(DaemonStartupError) -> OpenedStorage {
    switch configuration.database {
    case .sqlite:
        do {
            return OpenedStorage(engine: try SQLiteStorage.open(path: configuration.databasePath), service: nil)
        } catch {
            throw DaemonStartupError(code: .unusableDatabase, message: "cannot open the database \(configuration.databasePath): \(error)")
        }
    case let .postgresql(postgresql):
        let settings = try postgresSettings(postgresql)
        let storage: PostgresStorage
        do {
            storage = try await PostgresStorage.open(settings: settings, logger: logger)
        } catch let error as StorageError {
            // Messages name the redacted URL (PostgresSettings never prints the password).
            if case .cannotOpen = error {
                throw DaemonStartupError(
                    code: .databaseUnavailable,
                    message: "\(error) Is the PostgreSQL server running and reachable, and are "
                        + "\(ConfigurationKey.postgresqlHost.rawValue), \(ConfigurationKey.postgresqlUser.rawValue) and the password right?")
            }
            throw DaemonStartupError(code: .unusableDatabase, message: "\(error)")
        } catch {
            throw DaemonStartupError(
                code: .databaseUnavailable, message: "cannot open the database at \(settings.redactedURL): \(type(of: error))")
        }
        return OpenedStorage(engine: storage, service: storage)
    }
}

/// The engine's settings: the configuration plus the password read from its credential file.
/// The password lives only in the returned value (whose description is the redacted URL).
func postgresSettings(_ configuration: PostgreSQLConfiguration) throws(DaemonStartupError) -> PostgresSettings {
    let endpoint: PostgresSettings.Endpoint =
        switch configuration.endpoint {
        case let .tcp(host, port): .tcp(host: host, port: port)
        case let .unixSocket(directory, port): .unixSocket(directory: directory, port: port)
        }
    var password: String?
    if let file = configuration.passwordFile {
        do {
            password = try PostgresPassword.read(file: file)
        } catch {
            throw DaemonStartupError(
                code: .configuration, message: "configuration key '\(ConfigurationKey.postgresqlPasswordFile.rawValue)': \(error.reason)")
        }
    }
    return PostgresSettings(
        endpoint: endpoint, database: configuration.database, user: configuration.user, password: password,
        // Same spellings on both sides (libpq's sslmode), so this never fails.
        tlsMode: PostgresSettings.TLSMode(rawValue: configuration.sslMode.rawValue) ?? .verifyFull,
        caFile: configuration.caFile, poolSize: configuration.poolSize, connectTimeout: configuration.connectTimeout)
}

/// Reading the PostgreSQL password from its credential file.
enum PostgresPassword {
    struct ReadError: Error {
        var reason: String
    }

    /// The file's content without its trailing line break (what `echo ... >` or an editor adds);
    /// other whitespace is part of the password. Errors name the file, never its content.
    static func read(file: String) throws(ReadError) -> String {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ReadError(reason: "cannot read \(file)")
        }
        var password = String(decoding: data, as: UTF8.self)
        while password.hasSuffix("\n") || password.hasSuffix("\r\n") || password.hasSuffix("\r") { password.removeLast() }
        guard !password.isEmpty else { throw ReadError(reason: "\(file) is empty") }
        guard !password.contains("\n") else {
            throw ReadError(reason: "\(file) holds more than one line; it must hold the password alone")
        }
        return password
    }
}
