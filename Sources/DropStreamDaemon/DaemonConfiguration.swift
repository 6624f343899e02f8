import DropStreamControl
import Foundation
import Logging

/// The daemon's whole configuration: one validated value, read once at start and again on SIGHUP.
///
/// Layered flags > environment (`DROPSTREAM_*`) > file > defaults; see ``ConfigurationLoader``.
/// Every key is listed in ``ConfigurationKey`` and documented in `etc/dropstream/dropstreamd.yaml`
/// and the README.
public struct DaemonConfiguration: Sendable, Equatable {
    /// The file the configuration was read from, or nil when none existed at the default path.
    public var sourceFile: String?
    /// Where the database and generated keys live (`state_directory`).
    public var stateDirectory: String
    /// The control socket (`control.socket`).
    public var controlSocketPath: String
    /// Who may use the control socket besides root and the daemon's own user (`control.group`):
    /// a group name or a numeric gid.
    public var controlGroup: String = "dropstream"
    /// Threshold for log messages (`log.level`).
    public var logLevel: Logger.Level
    /// A loop that reports no progress for this long counts as stalled (`health.stall_timeout`).
    public var stallTimeout: Duration
    /// How often housekeeping probes the database and refreshes `STATUS=` (`health.check_interval`).
    public var healthCheckInterval: Duration
    /// The most a graceful shutdown may take before the daemon exits anyway (`shutdown.timeout`).
    public var shutdownTimeout: Duration
    /// Where systemd put our credentials (`$CREDENTIALS_DIRECTORY`), if anywhere.
    public var credentialsDirectory: String?
    /// The callback listener's address (`callback.listen`).
    public var callbackListen: ListenAddress
    /// The public base URL BigCommerce sends browsers and callbacks to (`callback.public_url`).
    public var callbackPublicURL: String
    /// A callback connection must deliver each whole request within this long of opening or of
    /// its previous response, or it is closed (`callback.request_timeout`; slow clients).
    public var callbackRequestTimeout: Duration = .seconds(10)
    /// The most callback connections open at once; more wait to be accepted (`callback.max_connections`).
    public var callbackMaxConnections: Int = 256
    /// The operator's BigCommerce app (`bigcommerce.*`); nil until `bigcommerce.client_id` is set.
    public var bigCommerceApp: BigCommerceAppSettings?
    /// BigCommerce's API host (`bigcommerce.api_base_url`).
    public var bigCommerceAPIBaseURL: String
    /// BigCommerce's OAuth host (`bigcommerce.login_base_url`).
    public var bigCommerceLoginBaseURL: String
    /// The token-encryption key (`tokens.key_file`), and whether to generate it when missing.
    public var tokenKeyFile: String
    public var generateTokenKey: Bool
    /// How long after `store authorize` the auth callback is accepted (`authorization.window`).
    public var authorizationWindow: Duration
    /// One HTTP exchange with BigCommerce may take this long (`bigcommerce.request_timeout`).
    public var bigCommerceRequestTimeout: Duration = .seconds(30)
    /// The lease a claim gets when the worker names none (`queue.default_lease`).
    public var queueDefaultLease: Duration = .seconds(600)
    /// The longest lease a claim or heartbeat may ask for (`queue.max_lease`).
    public var queueMaxLease: Duration = .seconds(86400)
    /// How often expired leases are returned to the queue (`queue.rescue_interval`).
    public var queueRescueInterval: Duration = .seconds(15)
    /// The claim status a store gets when it is added (`queue.claim_status`); nil = off.
    public var queueClaimStatusID: Int? = 9
    /// How often the shipment pusher looks for shipments to deliver (`shipments.push_interval`).
    public var shipmentsPushInterval: Duration = .seconds(2)
    /// The first wait after a failed delivery; doubles per attempt, with jitter (`shipments.retry_delay`).
    public var shipmentsRetryDelay: Duration = .seconds(10)
    /// The longest wait between delivery attempts (`shipments.max_retry_delay`).
    public var shipmentsMaxRetryDelay: Duration = .seconds(900)
    /// Transient failures before a shipment is marked failed (`shipments.max_attempts`).
    public var shipmentsMaxAttempts: Int = 20
    /// The sync engine's intervals and limits (`sync.*`).
    public var sync: SyncSettings = .default
    /// The storage engine and how to reach it (`database.*`); SQLite unless `database.engine`
    /// says `postgresql`.
    public var database: DatabaseSettings = .sqlite

    /// The Auth Callback URL to register in the BigCommerce Developer Portal.
    public var authCallbackURL: String { callbackPublicURL + CallbackRoutes.authPath }
    /// The Load Callback URL to register.
    public var loadCallbackURL: String { callbackPublicURL + CallbackRoutes.loadPath }
    /// The Uninstall Callback URL to register.
    public var uninstallCallbackURL: String { callbackPublicURL + CallbackRoutes.uninstallPath }

    /// The SQLite database file inside the state directory (used when `database.engine` is sqlite).
    public var databasePath: String { stateDirectory + "/dropstream.sqlite" }

    /// Keys whose change needs a restart: SIGHUP keeps the running value and says so.
    /// Only `log.level` applies at once today.
    public func keysNeedingRestart(comparedTo new: DaemonConfiguration) -> [ConfigurationKey] {
        var keys: [ConfigurationKey] = []
        if stateDirectory != new.stateDirectory { keys.append(.stateDirectory) }
        if controlSocketPath != new.controlSocketPath { keys.append(.controlSocket) }
        if controlGroup != new.controlGroup { keys.append(.controlGroup) }
        if stallTimeout != new.stallTimeout { keys.append(.stallTimeout) }
        if healthCheckInterval != new.healthCheckInterval { keys.append(.healthCheckInterval) }
        if shutdownTimeout != new.shutdownTimeout { keys.append(.shutdownTimeout) }
        if callbackListen != new.callbackListen { keys.append(.callbackListen) }
        if callbackPublicURL != new.callbackPublicURL { keys.append(.callbackPublicURL) }
        if callbackRequestTimeout != new.callbackRequestTimeout { keys.append(.callbackRequestTimeout) }
        if callbackMaxConnections != new.callbackMaxConnections { keys.append(.callbackMaxConnections) }
        if bigCommerceApp != new.bigCommerceApp {
            keys.append(bigCommerceApp?.clientID != new.bigCommerceApp?.clientID ? .bigCommerceClientID : .bigCommerceClientSecretFile)
        }
        if bigCommerceAPIBaseURL != new.bigCommerceAPIBaseURL { keys.append(.bigCommerceAPIBaseURL) }
        if bigCommerceLoginBaseURL != new.bigCommerceLoginBaseURL { keys.append(.bigCommerceLoginBaseURL) }
        if tokenKeyFile != new.tokenKeyFile { keys.append(.tokenKeyFile) }
        if authorizationWindow != new.authorizationWindow { keys.append(.authorizationWindow) }
        if bigCommerceRequestTimeout != new.bigCommerceRequestTimeout { keys.append(.bigCommerceRequestTimeout) }
        if queueDefaultLease != new.queueDefaultLease { keys.append(.queueDefaultLease) }
        if queueMaxLease != new.queueMaxLease { keys.append(.queueMaxLease) }
        if queueRescueInterval != new.queueRescueInterval { keys.append(.queueRescueInterval) }
        if queueClaimStatusID != new.queueClaimStatusID { keys.append(.queueClaimStatus) }
        if shipmentsPushInterval != new.shipmentsPushInterval { keys.append(.shipmentsPushInterval) }
        if shipmentsRetryDelay != new.shipmentsRetryDelay { keys.append(.shipmentsRetryDelay) }
        if shipmentsMaxRetryDelay != new.shipmentsMaxRetryDelay { keys.append(.shipmentsMaxRetryDelay) }
        if shipmentsMaxAttempts != new.shipmentsMaxAttempts { keys.append(.shipmentsMaxAttempts) }
        if sync.pollInterval != new.sync.pollInterval { keys.append(.syncPollInterval) }
        if sync.overlap != new.sync.overlap { keys.append(.syncOverlap) }
        if sync.fullReconcileInterval != new.sync.fullReconcileInterval { keys.append(.syncFullReconcileInterval) }
        if sync.maxConcurrentPasses != new.sync.maxConcurrentPasses { keys.append(.syncMaxConcurrentPasses) }
        if sync.unmappedShipping != new.sync.unmappedShipping { keys.append(.shippingUnmapped) }
        if let key = database.firstDifferingKey(from: new.database) { keys.append(key) }
        return keys
    }
}

/// Every configuration key, with its documentation. The file, the environment and the flags
/// all use these names; the environment spells them `DROPSTREAM_` + upper case with `.` → `_`.
public enum ConfigurationKey: String, CaseIterable, Sendable {
    case stateDirectory = "state_directory"
    case controlSocket = "control.socket"
    case controlGroup = "control.group"
    case logLevel = "log.level"
    case stallTimeout = "health.stall_timeout"
    case healthCheckInterval = "health.check_interval"
    case shutdownTimeout = "shutdown.timeout"
    case callbackListen = "callback.listen"
    case callbackPublicURL = "callback.public_url"
    case callbackRequestTimeout = "callback.request_timeout"
    case callbackMaxConnections = "callback.max_connections"
    case bigCommerceClientID = "bigcommerce.client_id"
    case bigCommerceClientSecretFile = "bigcommerce.client_secret_file"
    case bigCommerceAPIBaseURL = "bigcommerce.api_base_url"
    case bigCommerceLoginBaseURL = "bigcommerce.login_base_url"
    case tokenKeyFile = "tokens.key_file"
    case authorizationWindow = "authorization.window"
    case bigCommerceRequestTimeout = "bigcommerce.request_timeout"
    case queueDefaultLease = "queue.default_lease"
    case queueMaxLease = "queue.max_lease"
    case queueRescueInterval = "queue.rescue_interval"
    case queueClaimStatus = "queue.claim_status"
    case shipmentsPushInterval = "shipments.push_interval"
    case shipmentsRetryDelay = "shipments.retry_delay"
    case shipmentsMaxRetryDelay = "shipments.max_retry_delay"
    case shipmentsMaxAttempts = "shipments.max_attempts"
    case syncPollInterval = "sync.poll_interval"
    case syncOverlap = "sync.overlap"
    case syncFullReconcileInterval = "sync.full_reconcile_interval"
    case syncMaxConcurrentPasses = "sync.max_concurrent_passes"
    case shippingUnmapped = "shipping.unmapped"
    case databaseEngine = "database.engine"
    case postgresqlHost = "database.postgresql.host"
    case postgresqlPort = "database.postgresql.port"
    case postgresqlDatabase = "database.postgresql.database"
    case postgresqlUser = "database.postgresql.user"
    case postgresqlSSLMode = "database.postgresql.sslmode"
    case postgresqlCAFile = "database.postgresql.ca_file"
    case postgresqlPoolSize = "database.postgresql.pool_size"
    case postgresqlConnectTimeout = "database.postgresql.connect_timeout"
    /// The path of the password file, never the password (which no key holds).
    case postgresqlPasswordFile = "database.postgresql.password_file"

    /// The environment variable that overrides this key.
    public var environmentName: String {
        "DROPSTREAM_" + rawValue.uppercased().replacingOccurrences(of: ".", with: "_")
    }
}

/// A TCP listen address, `host:port` (IPv6 in brackets).
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    /// Parses `127.0.0.1:8780`, `[::1]:8780` or `localhost:8780`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]"), trimmed[trimmed.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            portPart = trimmed[trimmed.index(close, offsetBy: 2)...]
        } else {
            guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].contains(":") else { return nil }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart), (1...65535).contains(port) else { return nil }
        host = String(hostPart)
        self.port = port
    }

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// The operator's BigCommerce app, as registered in the Developer Portal. The secret itself is
/// read from `clientSecretFile` by the composition root, never kept in the configuration value.
public struct BigCommerceAppSettings: Sendable, Equatable {
    public var clientID: String
    public var clientSecretFile: String
}

/// An invalid configuration. The daemon prints it and exits 78 (EX_CONFIG).
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The offending key, when one is to blame.
    public var key: String?
    /// What is wrong and what would be right.
    public var reason: String

    public init(key: String?, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String {
        if let key { return "configuration key '\(key)': \(reason)" }
        return "configuration: \(reason)"
    }
}

/// Parses the value syntaxes the configuration accepts.
enum ConfigurationValue {
    /// `250ms`, `30s`, `5m`, `1h`, `1d`, or a bare number of seconds.
    static func duration(_ text: String) -> Duration? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count)
            // "5ms" must not be read as "5m" + "s": only accept when the rest is a plain number.
            guard let value = Double(number), value.isFinite, value >= 0 else { continue }
            return .milliseconds(Int64((value * scale * 1000).rounded()))
        }
        if let seconds = Double(trimmed), seconds.isFinite, seconds >= 0 {
            return .milliseconds(Int64((seconds * 1000).rounded()))
        }
        return nil
    }

    static func logLevel(_ text: String) -> Logger.Level? {
        Logger.Level(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased())
    }

    static let logLevelNames = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
}

extension Duration {
    /// `1m30s`-style rendering for messages and status lines.
    var humanDescription: String {
        let total = components.seconds
        if total == 0 { return "\(components.attoseconds / 1_000_000_000_000_000)ms" }
        if total < 60 { return "\(total)s" }
        if total < 3600 { return total % 60 == 0 ? "\(total / 60)m" : "\(total / 60)m\(total % 60)s" }
        return total % 3600 == 0 ? "\(total / 3600)h" : "\(total / 3600)h\((total % 3600) / 60)m"
    }
}
