import DropStreamSystemd
import Logging
import ServiceLifecycle

/// The daemon's side of the systemd contract (DESIGN §6): READY=1 once ``Readiness`` says the
/// ctl can connect, WATCHDOG=1 at half of `WATCHDOG_USEC` only while ``HealthMonitor`` sees
/// progress (a full or read-only disk is reported but does not stop the pings), STOPPING=1 as soon as graceful shutdown begins. Off systemd it does nothing.
///
/// It must be the last service of the group: ServiceGroup shuts services down in reverse
/// order, so this one hears about the shutdown first and says STOPPING=1 before anything stops.
struct SystemdLifecycleService: Service {
    let notifier: SystemdNotifier
    let readiness: Readiness
    let health: HealthMonitor
    let statusBoard: StatusBoard
    /// The full `WATCHDOG_USEC`; nil when systemd set no watchdog.
    let watchdogTimeout: Duration?
    let logger: Logger

    func run() async throws {
        guard await readiness.wait() else { return }
        let status = await statusBoard.current
        notifier.ready(status: status)
        logger.notice("dropstreamd is ready", metadata: ["status": .string(status)])

        if let watchdogTimeout {
            try? await cancelWhenGracefulShutdown { try await pingWhileHealthy(every: watchdogTimeout / 2) }
        } else {
            try? await gracefulShutdown()
        }
        notifier.stopping(status: "Stopping: finishing in-flight work")
        logger.notice("dropstreamd is stopping")
    }

    /// Pings only when healthy; says once when it starts withholding pings and once when it resumes.
    private func pingWhileHealthy(every interval: Duration) async throws {
        var withholding = false
        while true {
            let assessment = await health.assess()
            if assessment.watchdogProblems.isEmpty {
                notifier.watchdogPing()
                if withholding {
                    logger.notice("progress resumed; watchdog pings resumed")
                    withholding = false
                }
            } else if !withholding {
                withholding = true
                logger.error(
                    "no progress; withholding watchdog pings so systemd can restart a wedged daemon",
                    metadata: ["problems": .string(assessment.watchdogProblems.joined(separator: "; "))]
                )
            }
            try await Task.sleep(for: interval)
        }
    }
}
