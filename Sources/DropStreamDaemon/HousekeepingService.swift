import DropStreamCore
import DropStreamStorage
import Foundation
import Logging
import ServiceLifecycle

/// The daemon's own heartbeat loop: probes the database with a small write, refreshes the
/// `STATUS=` line, and reports progress to the ``HealthMonitor``. If the database wedges (a
/// lock held forever) this loop stops reporting and the watchdog pings stop. A full or
/// read-only disk is reported (log, STATUS=, `dropstreamctl status`) but the daemon keeps
/// running: writes fail and are retried by their loops until the space returns.
struct HousekeepingService: Service {
    static let loopName = "housekeeping"

    let database: any StorageEngine
    let health: HealthMonitor
    let statusBoard: StatusBoard
    let readiness: Readiness
    let interval: Duration
    let logger: Logger
    /// The sync scheduler, for the "stores syncing; last pass" part of the line.
    var scheduler: SyncScheduler? = nil

    func run() async throws {
        await health.register(loop: Self.loopName)
        defer { Task { [health] in await health.unregister(loop: Self.loopName) } }
        try? await cancelWhenGracefulShutdown {
            var lastProblem: String?
            while true {
                let (problem, storage, unreachable) = await probeDatabase()
                if problem != lastProblem {
                    if let problem, unreachable {
                        logger.error(
                            "the database cannot be reached; queue writes are refused and syncing waits until it is back, nothing already queued is lost",
                            metadata: ["error": .string(problem), "database": .string(database.location)])
                    } else if let problem, storage, database.engineName == "sqlite" {
                        logger.error(
                            "cannot write the database: the state directory's disk is full or read-only; orders are not imported or updated until space (or write access) returns, nothing already queued is lost",
                            metadata: ["error": .string(problem), "directory": .string((database.location as NSString).deletingLastPathComponent)])
                    } else if let problem, storage {
                        // A server's disk, or a read-only server (a standby): not this machine's directory.
                        logger.error(
                            "cannot write the database: the database server refuses writes (its disk is full, or it is read-only); orders are not imported or updated until it accepts writes again, nothing already queued is lost",
                            metadata: ["error": .string(problem), "database": .string(database.location)])
                    } else if let problem {
                        logger.error("database check failed", metadata: ["error": .string(problem)])
                    } else if lastProblem != nil {
                        logger.notice("database check passes again")
                    }
                    lastProblem = problem
                }
                // An outage is not a wedge: like a full disk, restarting cannot fix it, so it does
                // not stop the watchdog (systemd would restart-loop the daemon).
                await health.reportDatabase(problem: problem, storage: storage || unreachable)
                await statusBoard.update(
                    await statusLine(databaseProblem: problem, storage: storage, unreachable: unreachable))
                await health.reportProgress(loop: Self.loopName)
                await readiness.mark(.firstHealthCheckDone)
                try await Task.sleep(for: interval)
            }
        }
    }

    /// nil when the probe worked; else the error, whether it is the storage refusing writes,
    /// and whether the database server cannot be reached.
    private func probeDatabase() async -> (problem: String?, storage: Bool, unreachable: Bool) {
        do {
            try await database.checkHealth()
            return (nil, false, false)
        } catch {
            let unreachable: Bool
            if case .unavailable = error as? StorageError { unreachable = true } else {
                unreachable = database.isUnavailable(error)
            }
            return ("\(error)", database.isStorageRefusal(error), unreachable)
        }
    }

    /// What `systemctl status` shows, queue first, then the stores, then what needs a human:
    /// "12 ready, 3 claimed, 2 held; 2 of 3 stores syncing, last pass 4s ago; 1 store needs
    /// re-authorization" (DESIGN §6).
    private func statusLine(databaseProblem: String?, storage: Bool, unreachable: Bool) async -> String {
        if databaseProblem != nil, unreachable {
            return "Degraded: the database \(database.location) cannot be reached; waiting for it (queue writes refused)"
        }
        if databaseProblem != nil, storage { return "Degraded: disk full or read-only: cannot write the database; waiting for space" }
        if let databaseProblem { return "Degraded: database check failed: \(databaseProblem)" }
        // Open orders only: counting the whole history here would make READY=1 and every
        // refresh cost more as shipped orders pile up (docs/performance-startup.md).
        guard let counts = try? await database.queueStatusCounts() else { return "Degraded: database cannot be read" }
        let connected = counts.stores.filter { $0.key != .disconnected }.values.reduce(0, +)
        var parts = ["\(counts.openOrders[.ready] ?? 0) ready, \(counts.openOrders[.claimed] ?? 0) claimed, \(counts.openOrders[.held] ?? 0) held"]
        guard connected > 0 else { return (parts + ["no store connected"]).joined(separator: "; ") }
        let active = counts.stores[.active] ?? 0
        if let scheduler {
            let sync = await scheduler.summary()
            let lastPass = sync.lastPassFinishedAt.map { "last pass \(Duration.seconds(max(0, Int64(Date().timeIntervalSince($0)))).humanDescription) ago" } ?? "no pass yet"
            parts.append("\(sync.syncing) of \(connected) \(connected == 1 ? "store" : "stores") syncing, \(lastPass)")
        } else {
            parts.append("\(active) of \(connected) \(connected == 1 ? "store" : "stores") active")
        }
        for (state, what) in [(StoreState.needsReauthorization, "re-authorization"), (.awaitingAuthorization, "authorization")] {
            if let n = counts.stores[state], n > 0 { parts.append("\(n) \(n == 1 ? "store needs" : "stores need") \(what)") }
        }
        return parts.joined(separator: "; ")
    }
}
