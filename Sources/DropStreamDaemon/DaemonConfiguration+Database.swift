import Foundation

/// Which storage engine holds the daemon's data (`database.*`; DESIGN §10).
///
/// The configuration names where the data is and how to reach it; it never holds the
/// PostgreSQL password, only the file it is read from (by the composition root, at start).
public enum DatabaseSettings: Sendable, Equatable {
    /// SQLite in the state directory (`dropstream.sqlite`): the default, nothing to install.
    case sqlite
    /// A PostgreSQL server (`database.postgresql.*`).
    case postgresql(PostgreSQLConfiguration)

    /// `database.engine` as written in the file.
    public var engineName: String {
        switch self {
        case .sqlite: return "sqlite"
        case .postgresql: return "postgresql"
        }
    }
}

/// How to reach the PostgreSQL server, as the configuration says it (`database.postgresql.*`).
/// The composition root turns it into the engine's own settings, adding the password.
public struct PostgreSQLConfiguration: Sendable, Equatable {
    /// Where the server listens.
    public enum Endpoint: Sendable, Equatable {
        /// A host name or address and a TCP port.
        case tcp(host: String, port: Int)
        /// A Unix socket directory (`host` starting with `/`, like libpq) and the port that
        /// names the socket file (`DIRECTORY/.s.PGSQL.PORT`).
        case unixSocket(directory: String, port: Int)
    }

    /// libpq's `sslmode` values the daemon supports, weakest first.
    public enum SSLMode: String, Sendable, Equatable, CaseIterable {
        /// No TLS: over a Unix socket, or a loopback TCP host only.
        case disable
        /// TLS without checking the server's certificate (encryption, no protection from an impostor).
        case require
        /// TLS; the certificate must chain to `ca_file`.
        case verifyCA = "verify-ca"
        /// TLS; the certificate must chain to `ca_file` and name `host`.
        case verifyFull = "verify-full"

        /// Whether this mode checks the server's certificate against `ca_file`.
        public var verifiesCertificate: Bool { self == .verifyCA || self == .verifyFull }
    }

    public var endpoint: Endpoint
    /// `database.postgresql.database`.
    public var database: String
    /// `database.postgresql.user`.
    public var user: String
    /// `database.postgresql.sslmode`.
    public var sslMode: SSLMode
    /// `database.postgresql.ca_file`: PEM certificate authorities for verify-ca / verify-full.
    public var caFile: String?
    /// `database.postgresql.pool_size`: the most connections the daemon opens.
    public var poolSize: Int
    /// `database.postgresql.connect_timeout`.
    public var connectTimeout: Duration
    /// The file the password is read from (`$CREDENTIALS_DIRECTORY/postgresql-password` or
    /// `database.postgresql.password_file`); nil when the server needs none (peer authentication
    /// over a Unix socket).
    public var passwordFile: String?

    /// The server's host as configured (`host`), for messages.
    public var host: String {
        switch endpoint {
        case let .tcp(host, _): return host
        case let .unixSocket(directory, _): return directory
        }
    }

    public init(
        endpoint: Endpoint, database: String, user: String, sslMode: SSLMode, caFile: String? = nil,
        poolSize: Int = 10, connectTimeout: Duration = .seconds(10), passwordFile: String? = nil
    ) {
        self.endpoint = endpoint
        self.database = database
        self.user = user
        self.sslMode = sslMode
        self.caFile = caFile
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.passwordFile = passwordFile
    }

    /// The first key whose value differs from `other`'s (SIGHUP: database keys need a restart).
    func firstDifferingKey(from other: PostgreSQLConfiguration) -> ConfigurationKey? {
        if endpoint != other.endpoint {
            return host != other.host ? .postgresqlHost : .postgresqlPort
        }
        if database != other.database { return .postgresqlDatabase }
        if user != other.user { return .postgresqlUser }
        if sslMode != other.sslMode { return .postgresqlSSLMode }
        if caFile != other.caFile { return .postgresqlCAFile }
        if poolSize != other.poolSize { return .postgresqlPoolSize }
        if connectTimeout != other.connectTimeout { return .postgresqlConnectTimeout }
        if passwordFile != other.passwordFile { return .postgresqlPasswordFile }
        return nil
    }
}

extension DatabaseSettings {
    /// The key to name when a reload changes the database settings (they need a restart).
    func firstDifferingKey(from other: DatabaseSettings) -> ConfigurationKey? {
        switch (self, other) {
        case (.sqlite, .sqlite): return nil
        case let (.postgresql(old), .postgresql(new)): return old.firstDifferingKey(from: new)
        default: return .databaseEngine
        }
    }
}
