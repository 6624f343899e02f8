import AsyncHTTPClient
import BigCommerceAPI
import DropStreamStorage
import DropStreamSystemd
import Foundation
import Logging
import ServiceLifecycle

/// Why the daemon could not start, with the exit code the README documents for it.
public struct DaemonStartupError: Error, CustomStringConvertible, Sendable {
    /// `sysexits.h` codes, so systemd's `RestartPreventExitStatus=` can tell them apart.
    public enum Code: Int32, Sendable {
        /// EX_DATAERR: the database belongs to a newer dropstreamd or is damaged; a restart cannot help.
        case unusableDatabase = 65
        /// EX_UNAVAILABLE: the PostgreSQL server cannot be reached or refuses the login; systemd
        /// restarts the daemon, which tries again.
        case databaseUnavailable = 69
        /// EX_CANTCREAT: the state directory or database file cannot be created.
        case cannotCreate = 73
        /// EX_TEMPFAIL: another dropstreamd holds the state directory or the socket.
        case alreadyRunning = 75
        /// EX_CONFIG: a secret or key file named by the configuration is unusable.
        case configuration = 78
    }

    public var code: Code
    public var message: String

    public var description: String { message }
}

/// A built daemon: the service group plus what must stay open while it runs.
public struct Daemon: Sendable {
    /// Run this; it returns after a graceful shutdown.
    public let serviceGroup: ServiceGroup
    /// The database, opened and migrated.
    public let database: any StorageEngine
    /// The control socket the daemon will listen on.
    public let socketPath: String
    let stateLock: StateDirectoryLock

    /// Runs the group, then removes the control socket.
    public func run() async throws {
        defer {
            unlink(socketPath)
            stateLock.release()
        }
        try await serviceGroup.run()
    }
}

/// The composition root (STYLE §2): everything the daemon runs is built here, from one
/// validated configuration. `dropstreamd`'s `main` and the tests both call it.
///
/// Start-up work that can fail happens before the group runs — lock the state directory,
/// open and migrate the database, check the socket path — so READY=1 (sent by
/// ``SystemdLifecycleService`` once the socket listens) means the daemon is usable.
public func buildDaemon(
    configuration: DaemonConfiguration,
    loader: ConfigurationLoader,
    logLevel: LogLevelControl,
    environment: [String: String] = ProcessInfo.processInfo.environment,
    logger: Logger
) async throws(DaemonStartupError) -> Daemon {
    let stateLock = try StateDirectoryLock.acquire(directory: configuration.stateDirectory)

    // The state directory is locked whatever the engine: it holds the token key and names the
    // daemon's socket, which two daemons must never share.
    let storage: OpenedStorage
    do {
        storage = try await openStorage(configuration, logger: logger)
    } catch {
        stateLock.release()
        throw error
    }
    let database = storage.engine

    do {
        if try ControlSocket.prepare(path: configuration.controlSocketPath) == .replacedStale {
            logger.notice("replaced a stale control socket left by a previous run", metadata: ["socket": .string(configuration.controlSocketPath)])
        }
    } catch {
        stateLock.release()
        let code: DaemonStartupError.Code = if case .inUse = error { .alreadyRunning } else { .cannotCreate }
        throw DaemonStartupError(code: code, message: error.description)
    }

    let vault: TokenVault
    let app: AppSetup?
    do {
        vault = try TokenVault.load(keyFile: configuration.tokenKeyFile, generateIfMissing: configuration.generateTokenKey)
        app = try AppSetup.read(configuration)
    } catch let error as TokenVault.VaultError {
        stateLock.release()
        throw DaemonStartupError(code: .configuration, message: "configuration key '\(ConfigurationKey.tokenKeyFile.rawValue)': \(error)")
    } catch {
        stateLock.release()
        throw DaemonStartupError(code: .configuration, message: "\(error)")
    }

    let notifier = SystemdNotifier(environment: environment, logger: logger)
    let readiness = Readiness()
    let health = HealthMonitor(stallTimeout: configuration.stallTimeout)
    let statusBoard = StatusBoard(initial: "Starting", notifier: notifier)
    let configurationStore = ConfigurationStore(configuration)

    // Created last among the start-up steps: an HTTPClient must be shut down, which its
    // service does once the group runs.
    let httpClient = HTTPClientHandle()
    let connections = Connections(
        database: database, vault: vault, app: app.map {
            Connections.App(oauth: $0.oauth(httpClient.client), verifier: $0.verifier, authCallbackURL: configuration.authCallbackURL)
        },
        httpClient: httpClient,
        clientConfiguration: BigCommerceClientConfiguration(
            endpoints: bigCommerceEndpoints(configuration), requestTimeout: configuration.bigCommerceRequestTimeout),
        authorizationWindow: configuration.authorizationWindow, defaultClaimStatusID: configuration.queueClaimStatusID,
        logger: logger
    )
    // This daemon's own registry, not a process-wide swift-metrics bootstrap (see MetricsRegistry).
    let metrics = MetricsRegistry()
    let callbackServer = CallbackServer.makeApplication(
        listen: configuration.callbackListen, limits: CallbackLimits(configuration), connections: connections, health: health,
        readiness: readiness, metrics: MetricsExposition(metrics: metrics, database: database, connections: connections), logger: logger
    )
    let scheduler = SyncScheduler(
        database: database, settings: configuration.sync, health: health, logger: logger,
        makeClient: { store in try await connections.client(for: store) }, metrics: metrics)
    await connections.onStoresChanged { await scheduler.storesChanged() }
    let access = ControlAccessPolicy.resolve(group: configuration.controlGroup)
    if access.groupID == nil {
        logger.warning("the control group does not exist: only root and the daemon's user may use the control socket", metadata: [
            "group": .string(configuration.controlGroup), "key": .string(ConfigurationKey.controlGroup.rawValue)])
    }
    let controlServer = ControlServer.makeApplication(
        socketPath: configuration.controlSocketPath,
        routes: ControlRoutes(
            database: database, health: health, connections: connections, startedAt: Date(), logger: logger,
            queue: QueueSettings(
                defaultLease: configuration.queueDefaultLease, maxLease: configuration.queueMaxLease,
                unmappedShipping: configuration.sync.unmappedShipping),
            scheduler: scheduler, metrics: metrics),
        access: access,
        readiness: readiness,
        logger: logger
    )
    let housekeeping = HousekeepingService(
        database: database, health: health, statusBoard: statusBoard, readiness: readiness,
        interval: configuration.healthCheckInterval, logger: logger, scheduler: scheduler
    )
    let leaseRescuer = LeaseRescuer(
        database: database, health: health, interval: configuration.queueRescueInterval, logger: logger, metrics: metrics)
    let shipmentPusher = ShipmentPusher(
        database: database, health: health,
        settings: .init(
            interval: configuration.shipmentsPushInterval, retryDelay: configuration.shipmentsRetryDelay,
            maxRetryDelay: configuration.shipmentsMaxRetryDelay, maxAttempts: configuration.shipmentsMaxAttempts),
        makeClient: { store in try await connections.client(for: store) }, logger: logger, metrics: metrics)
    let reload = ReloadService(
        loader: loader, configuration: configurationStore, logLevel: logLevel, notifier: notifier,
        readiness: readiness, statusBoard: statusBoard, logger: logger
    )
    let systemd = SystemdLifecycleService(
        notifier: notifier, readiness: readiness, health: health, statusBoard: statusBoard,
        watchdogTimeout: SystemdNotifier.watchdogInterval(environment: environment), logger: logger
    )

    // The group shuts services down in reverse order: the storage engine's pool (PostgreSQL)
    // first, so it closes last, after every service that queries it.
    let storageServices: [ServiceGroupConfiguration.ServiceConfiguration] = storage.service.map { [.init(service: $0)] } ?? []
    var groupConfiguration = ServiceGroupConfiguration(
        services: storageServices + [
            // First of the rest, so it is shut down after them (see HTTPClientHandle).
            .init(service: httpClient),
            .init(service: callbackServer),
            .init(service: controlServer),
            .init(service: housekeeping),
            .init(service: leaseRescuer),
            .init(service: shipmentPusher),
            .init(service: scheduler),
            .init(service: reload),
            // Last, so it is the first to hear of a shutdown (see SystemdLifecycleService).
            .init(service: systemd),
        ],
        gracefulShutdownSignals: [.sigterm, .sigint],
        logger: logger
    )
    groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownTimeout
    groupConfiguration.maximumCancellationDuration = .seconds(2)
    return Daemon(
        serviceGroup: ServiceGroup(configuration: groupConfiguration),
        database: database,
        socketPath: configuration.controlSocketPath,
        stateLock: stateLock
    )
}

/// The operator's BigCommerce app read from the configuration: client id, the client secret
/// from its 0600 file or systemd credential, and what is built from them.
struct AppSetup: Sendable {
    var credentials: AppCredentials
    var endpoints: BigCommerceEndpoints

    var verifier: SignedPayloadVerifier { SignedPayloadVerifier(credentials: credentials) }

    func oauth(_ httpClient: HTTPClient) -> BigCommerceOAuthClient {
        BigCommerceOAuthClient(credentials: credentials, endpoints: endpoints, httpClient: httpClient)
    }

    /// Nil when `bigcommerce.client_id` is not set: stores can be added but not authorized.
    static func read(_ configuration: DaemonConfiguration) throws(ConfigurationError) -> AppSetup? {
        guard let app = configuration.bigCommerceApp else { return nil }
        guard let data = FileManager.default.contents(atPath: app.clientSecretFile) else {
            throw ConfigurationError(key: ConfigurationKey.bigCommerceClientSecretFile.rawValue, reason: "cannot read \(app.clientSecretFile)")
        }
        let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !secret.isEmpty else {
            throw ConfigurationError(key: ConfigurationKey.bigCommerceClientSecretFile.rawValue, reason: "\(app.clientSecretFile) is empty")
        }
        return AppSetup(
            credentials: AppCredentials(clientID: app.clientID, clientSecret: ClientSecret(secret)),
            endpoints: bigCommerceEndpoints(configuration)
        )
    }
}

/// Where BigCommerce lives for this daemon (production, or a sandbox in tests and the demo).
func bigCommerceEndpoints(_ configuration: DaemonConfiguration) -> BigCommerceEndpoints {
    BigCommerceEndpoints(apiBaseURL: configuration.bigCommerceAPIBaseURL, loginBaseURL: configuration.bigCommerceLoginBaseURL)
}
