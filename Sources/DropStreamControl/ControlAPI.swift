import Foundation

/// The control API contract shared by `dropstreamd` and `dropstreamctl` (DESIGN §7).
///
/// HTTP/1.1 + JSON over a Unix socket, versioned under `/v1/`. A shipped message is never
/// reshaped: new fields are added beside the old ones, and a breaking change gets `/v2/`.
public enum ControlAPI {
    /// The version prefix every route lives under.
    public static let versionPrefix = "/v1"

    /// Route paths, one table.
    public enum Path {
        /// `GET`: daemon identity, database facts and counts. See ``StatusResponse``.
        public static let status = "/v1/status"
    }

    /// The JSON coder both sides use: ISO 8601 dates, snake_case keys (what `curl` users expect).
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// See ``makeEncoder()``.
    public static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

/// `GET /v1/status`: what an operator asks first.
public struct StatusResponse: Codable, Sendable, Equatable {
    /// The daemon's version string.
    public var version: String
    /// The daemon's process id.
    public var pid: Int32
    /// When the daemon started (UTC).
    public var startedAt: Date
    /// Whole seconds since start.
    public var uptimeSeconds: Int
    /// The SQLite database file.
    public var databasePath: String
    /// Size of the database file plus its write-ahead log, in bytes.
    public var databaseSizeBytes: Int64
    /// How many named migrations are applied.
    public var schemaVersion: Int
    /// The identifier of the newest applied migration.
    public var schemaMigration: String
    /// Number of stores in each connection state (every state present, zero when none).
    public var storesByState: [String: Int]
    /// Number of fulfillment orders in each queue state (every state present, zero when none).
    public var ordersByState: [String: Int]
    /// Whether the health monitor currently sees progress from every loop and a working database.
    public var healthy: Bool
    /// Loops or checks the health monitor considers stalled, with a reason each; empty when healthy.
    public var healthProblems: [String]

    public init(
        version: String, pid: Int32, startedAt: Date, uptimeSeconds: Int,
        databasePath: String, databaseSizeBytes: Int64, schemaVersion: Int, schemaMigration: String,
        storesByState: [String: Int], ordersByState: [String: Int],
        healthy: Bool, healthProblems: [String]
    ) {
        self.version = version
        self.pid = pid
        self.startedAt = startedAt
        self.uptimeSeconds = uptimeSeconds
        self.databasePath = databasePath
        self.databaseSizeBytes = databaseSizeBytes
        self.schemaVersion = schemaVersion
        self.schemaMigration = schemaMigration
        self.storesByState = storesByState
        self.ordersByState = ordersByState
        self.healthy = healthy
        self.healthProblems = healthProblems
    }
}

/// The body of every non-2xx control API response.
public struct ControlErrorBody: Codable, Sendable, Equatable {
    /// A stable machine-readable code, e.g. `not_found`, `forbidden`, `invalid_request`.
    public var code: String
    /// One human sentence saying what went wrong and, where possible, what to do.
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
