import Foundation

/// How to reach the PostgreSQL server (`database.postgresql.*` in `dropstreamd.yaml`).
///
/// The password is never read from the YAML, the environment or a command line: the
/// configuration loader reads it from a credential file (`LoadCredential=`), and nothing here
/// prints it — ``redactedURL`` is what messages and `dropstreamctl status` show.
public struct PostgresSettings: Sendable, Hashable {
    /// Where the server listens.
    public enum Endpoint: Sendable, Hashable {
        /// A TCP host name or address and port.
        case tcp(host: String, port: Int)
        /// A Unix socket directory (libpq's `host=/run/postgresql`); the socket file is
        /// `DIRECTORY/.s.PGSQL.PORT`.
        case unixSocket(directory: String, port: Int)
    }

    /// libpq's `sslmode` values this daemon supports, weakest first.
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS (the only choice over a Unix socket).
        case disable
        /// TLS, without checking the server's certificate.
        case require
        /// TLS; the certificate must chain to `caFile`, whatever host name it names.
        case verifyCA = "verify-ca"
        /// TLS; the certificate must chain to `caFile` and name the host connected to.
        case verifyFull = "verify-full"
    }

    public var endpoint: Endpoint
    public var database: String
    public var user: String
    /// From the credential file; `nil` when the server needs none (peer or trust authentication).
    public var password: String?
    public var tlsMode: TLSMode
    /// PEM file of the certificate authorities for `verify-ca` / `verify-full`.
    public var caFile: String?
    /// The most connections this daemon opens.
    public var poolSize: Int
    /// How long a connection attempt may take.
    public var connectTimeout: Duration

    public init(
        endpoint: Endpoint, database: String, user: String, password: String? = nil, tlsMode: TLSMode = .disable,
        caFile: String? = nil, poolSize: Int = 10, connectTimeout: Duration = .seconds(10)
    ) {
        self.endpoint = endpoint
        self.database = database
        self.user = user
        self.password = password
        self.tlsMode = tlsMode
        self.caFile = caFile
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
    }

    /// `postgresql://user@host:port/database?sslmode=...`, never with the password.
    public var redactedURL: String {
        switch endpoint {
        case let .tcp(host, port):
            let shownHost = host.contains(":") ? "[\(host)]" : host
            return "postgresql://\(user)@\(shownHost):\(port)/\(database)?sslmode=\(tlsMode.rawValue)"
        case let .unixSocket(directory, port):
            return "postgresql://\(user)@/\(database)?host=\(directory)&port=\(port)"
        }
    }
}

extension PostgresSettings: CustomStringConvertible, CustomDebugStringConvertible {
    /// The redacted URL: a settings value in a log line or error never shows the password.
    public var description: String { redactedURL }
    public var debugDescription: String { redactedURL }
}
