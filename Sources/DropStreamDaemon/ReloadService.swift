import DropStreamSystemd
import Logging
import ServiceLifecycle
import UnixSignals

/// Reloads the configuration on SIGHUP: RELOADING=1, read and validate, apply what can change
/// at run time, READY=1. A bad new configuration is refused with a logged reason and the
/// running one stays.
struct ReloadService: Service {
    let loader: ConfigurationLoader
    let configuration: ConfigurationStore
    let logLevel: LogLevelControl
    let notifier: SystemdNotifier
    let readiness: Readiness
    let statusBoard: StatusBoard
    let logger: Logger

    func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        await readiness.mark(.reloadHandlerInstalled)
        for await _ in hangups.cancelOnGracefulShutdown() {
            notifier.reloading()
            await reload()
            notifier.ready(status: await statusBoard.current)
        }
    }

    private func reload() async {
        let new: DaemonConfiguration
        do {
            new = try loader.load()
        } catch {
            logger.error("configuration reload refused; keeping the running configuration", metadata: ["reason": .string(error.description)])
            return
        }
        let old = await configuration.current
        let needRestart = old.keysNeedingRestart(comparedTo: new)
        if !needRestart.isEmpty {
            logger.warning(
                "changed keys take effect only after a restart",
                metadata: ["keys": .string(needRestart.map(\.rawValue).joined(separator: ", "))]
            )
        }
        await configuration.replace(with: new)
        logLevel.level = new.logLevel
        logger.notice("configuration reloaded", metadata: ["file": .string(new.sourceFile ?? "(none)"), "log_level": .string(new.logLevel.rawValue)])
    }
}

/// The running configuration; replaced as a whole on a successful reload.
actor ConfigurationStore {
    private(set) var current: DaemonConfiguration

    init(_ initial: DaemonConfiguration) {
        current = initial
    }

    func replace(with new: DaemonConfiguration) {
        current = new
    }
}
