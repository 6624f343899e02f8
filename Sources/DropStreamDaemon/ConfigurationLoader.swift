import DropStreamCore
import Configuration
import DropStreamControl
import Foundation
import Logging
import Yams

/// Values given on `dropstreamd`'s command line; they win over everything else.
public struct CommandLineOverrides: Sendable, Equatable {
    public var configPath: String?
    public var stateDirectory: String?
    public var socketPath: String?
    public var logLevel: String?

    public init(configPath: String? = nil, stateDirectory: String? = nil, socketPath: String? = nil, logLevel: String? = nil) {
        self.configPath = configPath
        self.stateDirectory = stateDirectory
        self.socketPath = socketPath
        self.logLevel = logLevel
    }
}

/// Builds a ``DaemonConfiguration`` from flags > environment > file > defaults and validates it.
///
/// swift-configuration does the layering; the file is parsed with Yams first so that a
/// misspelt key is refused by name instead of being ignored silently.
public struct ConfigurationLoader: Sendable {
    /// The file read when neither `--config` nor `DROPSTREAM_CONFIG` names one.
    public static let defaultConfigPath = "/etc/dropstream/dropstreamd.yaml"

    public var overrides: CommandLineOverrides
    public var environment: [String: String]
    public var userID: UInt32

    public init(
        overrides: CommandLineOverrides,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        userID: UInt32 = getuid()
    ) {
        self.overrides = overrides
        self.environment = environment
        self.userID = userID
    }

    /// Reads and validates. Every failure names the key (or file) at fault.
    public func load() throws(ConfigurationError) -> DaemonConfiguration {
        let (filePath, explicit) = resolvedConfigPath()
        let fileValues = try readFile(at: filePath, mustExist: explicit)

        var flagValues: [AbsoluteConfigKey: ConfigValue] = [:]
        func flag(_ key: ConfigurationKey, _ value: String?) {
            if let value { flagValues[AbsoluteConfigKey(ConfigKey(key.rawValue))] = ConfigValue(.string(value), isSecret: false) }
        }
        flag(.stateDirectory, overrides.stateDirectory)
        flag(.controlSocket, overrides.socketPath)
        flag(.logLevel, overrides.logLevel)

        var environmentValues: [AbsoluteConfigKey: ConfigValue] = [:]
        for key in ConfigurationKey.allCases {
            if let value = environment[key.environmentName] {
                environmentValues[AbsoluteConfigKey(ConfigKey(key.rawValue))] = ConfigValue(.string(value), isSecret: false)
            }
        }

        let reader = ConfigReader(providers: [
            InMemoryProvider(name: "command line", values: flagValues),
            InMemoryProvider(name: "environment", values: environmentValues),
            InMemoryProvider(name: "file", values: fileValues.mapValues { ConfigValue(.string($0), isSecret: false) }.reduce(into: [:]) { $0[AbsoluteConfigKey(ConfigKey($1.key))] = $1.value }),
        ])
        func value(_ key: ConfigurationKey) -> String? { reader.string(forKey: ConfigKey(key.rawValue)) }

        let stateDirectory = try path(value(.stateDirectory), key: .stateDirectory) ?? defaultStateDirectory()
        let socket = try path(value(.controlSocket), key: .controlSocket) ?? ControlSocketPath.daemonDefault(environment: environment, userID: userID)
        guard socket.utf8.count < 108 else {
            throw ConfigurationError(key: ConfigurationKey.controlSocket.rawValue, reason: "'\(socket)' is \(socket.utf8.count) bytes long; a Unix socket path must be shorter than 108 bytes")
        }

        var logLevel = Logger.Level.info
        if let text = value(.logLevel) {
            guard let level = ConfigurationValue.logLevel(text) else {
                throw ConfigurationError(key: ConfigurationKey.logLevel.rawValue, reason: "'\(text)' is not a log level; use one of \(ConfigurationValue.logLevelNames)")
            }
            logLevel = level
        }

        let stallTimeout = try duration(value(.stallTimeout), key: .stallTimeout, default: .seconds(120), minimum: .seconds(1))
        let checkInterval = try duration(value(.healthCheckInterval), key: .healthCheckInterval, default: .seconds(5), minimum: .milliseconds(100))
        let shutdownTimeout = try duration(value(.shutdownTimeout), key: .shutdownTimeout, default: .seconds(10), minimum: .milliseconds(100))
        guard checkInterval < stallTimeout else {
            throw ConfigurationError(key: ConfigurationKey.healthCheckInterval.rawValue, reason: "\(checkInterval.humanDescription) must be shorter than health.stall_timeout (\(stallTimeout.humanDescription)), or every check would look like a stall")
        }

        let credentials = environment["CREDENTIALS_DIRECTORY"].flatMap { $0.isEmpty ? nil : $0 }

        var listen = ListenAddress(host: "127.0.0.1", port: 8780)
        if let text = value(.callbackListen) {
            guard let parsed = ListenAddress(parsing: text) else {
                throw ConfigurationError(key: ConfigurationKey.callbackListen.rawValue, reason: "'\(text)' is not host:port (e.g. 127.0.0.1:8780 or [::1]:8780)")
            }
            listen = parsed
        }
        let publicURL = try httpURL(value(.callbackPublicURL), key: .callbackPublicURL) ?? "http://\(listen)"
        let callbackRequestTimeout = try duration(value(.callbackRequestTimeout), key: .callbackRequestTimeout, default: .seconds(10), minimum: .milliseconds(100))
        var callbackMaxConnections = 256
        if let text = value(.callbackMaxConnections) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...65536).contains(number) else {
                throw ConfigurationError(key: ConfigurationKey.callbackMaxConnections.rawValue, reason: "'\(text)' is not a whole number from 1 to 65536")
            }
            callbackMaxConnections = number
        }
        var controlGroup = "dropstream"
        if let text = value(.controlGroup)?.trimmingCharacters(in: .whitespaces) {
            // A name as useradd accepts it, or a numeric gid.
            let allowed = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
            guard !text.isEmpty, text.count <= 32, allowed, !text.hasPrefix("-") else {
                throw ConfigurationError(key: ConfigurationKey.controlGroup.rawValue, reason: "'\(text)' is not a group name or a numeric gid")
            }
            controlGroup = text
        }
        let apiBaseURL = try httpURL(value(.bigCommerceAPIBaseURL), key: .bigCommerceAPIBaseURL) ?? "https://api.bigcommerce.com"
        let loginBaseURL = try httpURL(value(.bigCommerceLoginBaseURL), key: .bigCommerceLoginBaseURL) ?? "https://login.bigcommerce.com"

        let secretFile = try path(value(.bigCommerceClientSecretFile), key: .bigCommerceClientSecretFile)
            ?? credentials.map { "\($0)/bigcommerce-client-secret" }
            ?? (userID == 0 ? "/etc/dropstream/credentials/bigcommerce-client-secret" : "\(stateDirectory)/bigcommerce-client-secret")
        var app: BigCommerceAppSettings?
        if let clientID = value(.bigCommerceClientID)?.trimmingCharacters(in: .whitespaces), !clientID.isEmpty {
            try checkSecretFile(secretFile, key: .bigCommerceClientSecretFile)
            app = BigCommerceAppSettings(clientID: clientID, clientSecretFile: secretFile)
        }

        let tokenKeyFile: String
        let generateTokenKey: Bool
        if let explicit = try path(value(.tokenKeyFile), key: .tokenKeyFile) {
            try checkSecretFile(explicit, key: .tokenKeyFile)
            (tokenKeyFile, generateTokenKey) = (explicit, false)
        } else if let credentials, FileManager.default.fileExists(atPath: "\(credentials)/token-key") {
            (tokenKeyFile, generateTokenKey) = ("\(credentials)/token-key", false)
        } else {
            (tokenKeyFile, generateTokenKey) = ("\(stateDirectory)/token.key", true)
        }
        let authorizationWindow = try duration(value(.authorizationWindow), key: .authorizationWindow, default: .seconds(1800), minimum: .seconds(1))
        let requestTimeout = try duration(value(.bigCommerceRequestTimeout), key: .bigCommerceRequestTimeout, default: .seconds(30), minimum: .milliseconds(100))
        let defaultLease = try duration(value(.queueDefaultLease), key: .queueDefaultLease, default: .seconds(600), minimum: .seconds(1))
        let maxLease = try duration(value(.queueMaxLease), key: .queueMaxLease, default: .seconds(86400), minimum: .seconds(1))
        guard defaultLease <= maxLease else {
            throw ConfigurationError(key: ConfigurationKey.queueDefaultLease.rawValue, reason: "\(defaultLease.humanDescription) is longer than queue.max_lease (\(maxLease.humanDescription))")
        }
        // Defaults stay under a short stall timeout; a value set explicitly must too (below).
        let rescueInterval = try duration(value(.queueRescueInterval), key: .queueRescueInterval, default: min(.seconds(15), stallTimeout / 2), minimum: .milliseconds(100))
        var claimStatusID: Int? = ClaimStatusPolicy.defaultID
        if let text = value(.queueClaimStatus) {
            let key = ConfigurationKey.queueClaimStatus.rawValue
            if ClaimStatusPolicy.offWords.contains(text.trimmingCharacters(in: .whitespaces).lowercased()) {
                claimStatusID = nil
            } else {
                let status: OrderStatusInfo
                do {
                    status = try ImportStatusResolver.resolve(text, in: ImportStatusResolver.systemStatuses)
                } catch {
                    throw ConfigurationError(key: key, reason: "\(error.description); or 'off'")
                }
                if let refusal = ClaimStatusPolicy.refusal(for: status.id) { throw ConfigurationError(key: key, reason: refusal) }
                claimStatusID = status.id
            }
        }
        let pushInterval = try duration(value(.shipmentsPushInterval), key: .shipmentsPushInterval, default: min(.seconds(2), stallTimeout / 2), minimum: .milliseconds(50))
        for (key, interval) in [(ConfigurationKey.queueRescueInterval, rescueInterval), (.shipmentsPushInterval, pushInterval)] where interval >= stallTimeout {
            throw ConfigurationError(key: key.rawValue, reason: "\(interval.humanDescription) must be shorter than health.stall_timeout (\(stallTimeout.humanDescription)), or the loop would look stalled")
        }
        let retryDelay = try duration(value(.shipmentsRetryDelay), key: .shipmentsRetryDelay, default: .seconds(10), minimum: .milliseconds(10))
        let maxRetryDelay = try duration(value(.shipmentsMaxRetryDelay), key: .shipmentsMaxRetryDelay, default: .seconds(900), minimum: .milliseconds(10))
        guard retryDelay <= maxRetryDelay else {
            throw ConfigurationError(key: ConfigurationKey.shipmentsRetryDelay.rawValue, reason: "\(retryDelay.humanDescription) is longer than shipments.max_retry_delay (\(maxRetryDelay.humanDescription))")
        }
        var maxAttempts = 20
        if let text = value(.shipmentsMaxAttempts) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...1000).contains(number) else {
                throw ConfigurationError(key: ConfigurationKey.shipmentsMaxAttempts.rawValue, reason: "'\(text)' is not a whole number from 1 to 1000")
            }
            maxAttempts = number
        }

        let pollInterval = try duration(value(.syncPollInterval), key: .syncPollInterval, default: .seconds(60), minimum: .seconds(1))
        let overlap = try duration(value(.syncOverlap), key: .syncOverlap, default: .seconds(300), minimum: .seconds(1))
        let fullReconcile = try duration(value(.syncFullReconcileInterval), key: .syncFullReconcileInterval, default: .seconds(3600), minimum: .seconds(60))
        var maxPasses = 4
        if let text = value(.syncMaxConcurrentPasses) {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)), (1...256).contains(number) else {
                throw ConfigurationError(key: ConfigurationKey.syncMaxConcurrentPasses.rawValue, reason: "'\(text)' is not a whole number from 1 to 256")
            }
            maxPasses = number
        }
        guard fullReconcile > overlap else {
            throw ConfigurationError(key: ConfigurationKey.syncFullReconcileInterval.rawValue, reason: "\(fullReconcile.humanDescription) must be longer than sync.overlap (\(overlap.humanDescription))")
        }
        // The scheduler reports progress at least this often; it must beat the stall timeout.
        let refresh = min(Duration.seconds(15), stallTimeout / 4)
        var sync = SyncSettings(
            pollInterval: pollInterval, overlap: overlap, fullReconcileInterval: fullReconcile,
            maxConcurrentPasses: maxPasses, storeRefreshInterval: refresh)
        if let text = value(.shippingUnmapped) {
            guard let policy = UnmappedShippingPolicy(parsing: text) else {
                throw ConfigurationError(key: ConfigurationKey.shippingUnmapped.rawValue, reason: "'\(text)' is not 'default:CODE' (a warehouse service code), 'hold' or 'pass'")
            }
            sync.unmappedShipping = policy
        }

        let database = try databaseSettings(value, credentials: credentials)

        var configuration = DaemonConfiguration(
            sourceFile: fileValues.isEmpty && !FileManager.default.fileExists(atPath: filePath) ? nil : filePath,
            stateDirectory: stateDirectory,
            controlSocketPath: socket,
            logLevel: logLevel,
            stallTimeout: stallTimeout,
            healthCheckInterval: checkInterval,
            shutdownTimeout: shutdownTimeout,
            credentialsDirectory: credentials,
            callbackListen: listen,
            callbackPublicURL: publicURL,
            bigCommerceApp: app,
            bigCommerceAPIBaseURL: apiBaseURL,
            bigCommerceLoginBaseURL: loginBaseURL,
            tokenKeyFile: tokenKeyFile,
            generateTokenKey: generateTokenKey,
            authorizationWindow: authorizationWindow,
            bigCommerceRequestTimeout: requestTimeout,
            queueDefaultLease: defaultLease,
            queueMaxLease: maxLease,
            queueRescueInterval: rescueInterval,
            queueClaimStatusID: claimStatusID,
            shipmentsPushInterval: pushInterval,
            shipmentsRetryDelay: retryDelay,
            shipmentsMaxRetryDelay: maxRetryDelay,
            shipmentsMaxAttempts: maxAttempts
        )
        configuration.sync = sync
        configuration.controlGroup = controlGroup
        configuration.callbackRequestTimeout = callbackRequestTimeout
        configuration.callbackMaxConnections = callbackMaxConnections
        configuration.database = database
        return configuration
    }

    /// `--config`, else `DROPSTREAM_CONFIG`, else systemd's `$CONFIGURATION_DIRECTORY`, else `/etc`.
    /// Only a path somebody named must exist.
    func resolvedConfigPath() -> (path: String, explicit: Bool) {
        if let path = overrides.configPath { return (path, true) }
        if let path = environment["DROPSTREAM_CONFIG"], !path.isEmpty { return (path, true) }
        if let directory = environment["CONFIGURATION_DIRECTORY"]?.split(separator: ":").first, !directory.isEmpty {
            return ("\(directory)/dropstreamd.yaml", false)
        }
        return (Self.defaultConfigPath, false)
    }

    /// `$STATE_DIRECTORY` under systemd, `/var/lib/dropstream` for root, else the XDG state home.
    func defaultStateDirectory() -> String {
        if let state = environment["STATE_DIRECTORY"]?.split(separator: ":").first, !state.isEmpty { return String(state) }
        if userID == 0 { return "/var/lib/dropstream" }
        if let xdg = environment["XDG_STATE_HOME"], !xdg.isEmpty { return "\(xdg)/dropstream" }
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        return "\(home)/.local/state/dropstream"
    }

    /// Reads the YAML file into dotted keys. Unknown keys and non-scalar values are errors.
    func readFile(at path: String, mustExist: Bool) throws(ConfigurationError) -> [String: String] {
        guard FileManager.default.fileExists(atPath: path) else {
            if mustExist { throw ConfigurationError(key: nil, reason: "the file \(path) does not exist") }
            return [:]
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(key: nil, reason: "cannot read \(path): \(error.localizedDescription)")
        }
        let root: Any?
        do {
            root = try Yams.load(yaml: text)
        } catch {
            throw ConfigurationError(key: nil, reason: "\(path) is not valid YAML: \(error)")
        }
        guard let root else { return [:] }  // an empty or all-comments file
        guard let mapping = root as? [String: Any] else {
            throw ConfigurationError(key: nil, reason: "\(path) must be a YAML mapping of keys to values")
        }
        var values: [String: String] = [:]
        try flatten(mapping, prefix: "", into: &values, file: path)
        let known = Set(ConfigurationKey.allCases.map(\.rawValue))
        if values[Self.refusedPasswordKey] != nil {
            throw ConfigurationError(key: Self.refusedPasswordKey, reason: "the password is never read from \(path); \(Self.passwordAdvice)")
        }
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            let suggestion = known.min { editDistance($0, unknown) < editDistance($1, unknown) }.map { " (did you mean '\($0)'?)" } ?? ""
            throw ConfigurationError(key: unknown, reason: "unknown key in \(path)\(suggestion)")
        }
        return values
    }

    private func flatten(_ mapping: [String: Any], prefix: String, into values: inout [String: String], file: String) throws(ConfigurationError) {
        for (name, value) in mapping {
            let key = prefix.isEmpty ? name : "\(prefix).\(name)"
            switch value {
            case let nested as [String: Any]:
                try flatten(nested, prefix: key, into: &values, file: file)
            case let text as String:
                values[key] = text
            case let number as Int:
                values[key] = String(number)
            case let number as Double:
                values[key] = String(number)
            case let flag as Bool:
                values[key] = String(flag)
            case is NSNull:
                continue  // `key:` with no value means "use the default"
            default:
                throw ConfigurationError(key: key, reason: "expected a single value in \(file), found \(type(of: value))")
            }
        }
    }

    func path(_ text: String?, key: ConfigurationKey) throws(ConfigurationError) -> String? {
        guard let text else { return nil }
        guard text.hasPrefix("/") else {
            throw ConfigurationError(key: key.rawValue, reason: "'\(text)' must be an absolute path")
        }
        return text.count > 1 && text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// An `http://` or `https://` URL without query or fragment; a trailing slash is dropped.
    private func httpURL(_ text: String?, key: ConfigurationKey) throws(ConfigurationError) -> String? {
        guard var text = text?.trimmingCharacters(in: .whitespaces) else { return nil }
        while text.hasSuffix("/") { text.removeLast() }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              url.host != nil, url.query == nil, url.fragment == nil
        else {
            throw ConfigurationError(key: key.rawValue, reason: "'\(text)' is not an http:// or https:// URL without query (e.g. https://dropstream.example.com)")
        }
        return text
    }

    /// A secret file must exist and must not be readable by others.
    func checkSecretFile(_ path: String, key: ConfigurationKey) throws(ConfigurationError) {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ConfigurationError(key: key.rawValue, reason: "\(path): \(String(cString: strerror(errno))); create it with 'install -m 0600 /dev/stdin \(path)'")
        }
        guard info.st_mode & 0o007 == 0 else {
            throw ConfigurationError(key: key.rawValue, reason: "\(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); chmod 0600 it")
        }
    }

    func duration(_ text: String?, key: ConfigurationKey, default fallback: Duration, minimum: Duration) throws(ConfigurationError) -> Duration {
        guard let text else { return fallback }
        guard let value = ConfigurationValue.duration(text) else {
            throw ConfigurationError(key: key.rawValue, reason: "'\(text)' is not a duration; write it like 500ms, 30s, 5m or 1h")
        }
        guard value >= minimum else {
            throw ConfigurationError(key: key.rawValue, reason: "\(text) is too short; the minimum is \(minimum.humanDescription)")
        }
        return value
    }
}

/// Levenshtein distance, for "did you mean" on misspelt keys.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
