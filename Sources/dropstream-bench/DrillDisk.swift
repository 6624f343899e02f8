import ArgumentParser
import BigCommerceSandbox
import DropStreamControl
import DropStreamSQLite
import DropStreamStorage
import DropStreamHarness
import Foundation

/// `drill disk`: the state directory fills up mid-pass, then becomes read-only; the daemon must
/// say so, lose nothing, and recover when the space (or write access) returns.
struct DrillDisk: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "disk",
        abstract: "The state directory's disk fills up, then goes read-only; reported, nothing lost, recovered.",
        discussion: """
            Needs root (it mounts a tmpfs of --size-mb MiB as the state directory); otherwise it prints \
            why and exits 77 (skipped). The tmpfs is unmounted on every exit path, Ctrl-C included.

            Full: while dropstreamd backfills --orders orders and a merchant edits the store, the drill \
            fills the tmpfs with a file. The daemon must report it within --report-timeout seconds \
            (a STATUS= line on its NOTIFY_SOCKET, an error line in its log, `dropstreamctl status` \
            unhealthy), stay up (a restart cannot free space), keep its watchdog pinging, come back up \
            when SIGKILLed and restarted while the disk is still full, and — once \
            the file is deleted after --full-seconds — be healthy again and catch up.

            Read-only: the kernel refuses `mount -o remount,ro` while dropstreamd holds its database \
            open for writing (EBUSY; the drill checks that), so the drill SIGKILLs it mid-pass, remounts \
            the state directory read-only and starts it again as systemd would: it must exit at once \
            with a clear error and an exit code systemd restarts (not 65 or 78). Then the directory is \
            remounted read-write and the daemon started again.

            Figures (all must be 0): lost, duplicated, line-item mismatches, departures not applied \
            (after a final incremental pass), not reported (per channel), restart while full failed, exits while full, watchdog \
            gaps over WATCHDOG_USEC while full, not recovered, read-only start not refused clearly.
            """)

    @Option(help: "Orders seeded in the sandbox store.") var orders: Int = 3_000
    @Option(help: "Size of the tmpfs state directory, in MiB.") var sizeMb: Int = 32
    @Option(help: "How long the disk stays full, in seconds.") var fullSeconds: Int = 15
    @Option(help: "How long the daemon has to report the full disk, and to recover, in seconds.") var reportTimeout: Int = 60
    @Option(help: "Random seed (merchant edits); default: the current time. Printed, so a run can be repeated.") var seed: UInt64?
    /// The seed of this run: `--seed`, or the time the command line was read (set in `validate()`).
    private var rngSeed: UInt64 { seed ?? 0 }
    @Option(help: "WATCHDOG_USEC given to dropstreamd, in milliseconds.") var watchdogMs: Int = 4_000
    @Flag(help: "Keep the scratch directory (config, daemon log) and print its path.") var keep = false

    mutating func validate() throws {
        if seed == nil { seed = UInt64(Date().timeIntervalSince1970) }
    }

    func measure() async throws {
        guard getuid() == 0 else {
            print("drill disk: SKIPPED: it mounts a tmpfs as the state directory, which needs root (running as uid \(getuid())); run it as root")
            throw ExitCode(77)
        }
        print("drill disk: --orders \(orders) --size-mb \(sizeMb) --full-seconds \(fullSeconds) --seed \(rngSeed)")
        let scratch = try QueueBenchSupport.makeScratchDirectory()
        let stateDirectory = scratch + "/state"
        try FileManager.default.createDirectory(atPath: stateDirectory, withIntermediateDirectories: true)
        let mount = try TmpfsMount(path: stateDirectory, sizeMB: sizeMb)
        let world = try await DrillWorld(
            scratch: scratch, stateDirectory: stateDirectory, sandboxConfiguration: SandboxConfiguration(rateLimitEnabled: false),
            config: ["sync.poll_interval": "1s", "sync.overlap": "2m", "health.check_interval": "500ms"])
        let notify = try NotifySocket(path: scratch + "/notify.sock")
        world.extraEnvironment = ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": String(watchdogMs * 1000)]
        let drainTask = notify.drainContinuously()
        mount.onInterrupt = { [world] in
            if let daemon = world.daemon, daemon.isRunning { kill(daemon.processIdentifier, SIGKILL) }
        }
        var merchantTask: Task<Void, Never>?
        func cleanUp() async {
            merchantTask?.cancel()
            drainTask.cancel()
            await world.shutdown()
            mount.unmount()
            if keep { print("scratch directory kept: \(scratch)") } else { try? FileManager.default.removeItem(atPath: scratch) }
        }
        do {
            try await drill(world, mount: mount, notify: notify, merchantTask: &merchantTask)
        } catch {
            let tail = world.logTail()
            fflush(nil)  // what the drill printed so far comes before the error
            await cleanUp()
            if error is ExitCode { throw error }
            throw DrillSetupError("\(error)\n--- daemon log tail:\n\(tail)")
        }
        await cleanUp()
    }

    private func drill(_ world: DrillWorld, mount: TmpfsMount, notify: NotifySocket, merchantTask: inout Task<Void, Never>?) async throws {
        let start = ContinuousClock.now
        let hash = DrillWorld.storeHash
        try await world.seed(orders: orders, seed: rngSeed)
        _ = await world.sandbox.state.injectFault(SandboxFault(.latency(.milliseconds(150)), trigger: .probability(1.0), store: hash, endpoint: .listOrders))
        try await world.startDaemonAndWait()
        // The drill's own connection is dropped before the read-only remount (an open database
        // would make the kernel refuse it).
        var database: SQLiteStorage? = try SQLiteStorage.open(path: world.databasePath)
        let merchant = DrillMerchant(state: world.sandbox.state, store: hash, seed: rngSeed)
        merchantTask = Task { await merchant.run(every: .milliseconds(200)) }

        // 1. Full, mid-backfill.
        let deadline = ContinuousClock.now + .seconds(60)
        while try await database!.openExternalOrderIds(storeId: world.storeId).isEmpty {
            guard ContinuousClock.now < deadline else { throw DrillSetupError("no order committed within 60 s") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let openWhenFilled = try await database!.openExternalOrderIds(storeId: world.storeId).count
        notify.drain()
        let statusCountBefore = notify.statusLines.count
        let logOffset = (try? FileManager.default.attributesOfItem(atPath: world.logPath)[.size] as? Int) ?? 0
        let filler = world.stateDirectory + "/filler"
        let filled = try mount.fill(file: filler)
        let filledAt = NotifySocket.now()
        print("  disk full: \(filled / 1_048_576) MiB filler written after \(openWhenFilled) orders were committed")

        var reportedStatus: String?, reportedLog: String?, reportedCtl: [String]?
        let reportDeadline = ContinuousClock.now + .seconds(reportTimeout)
        while ContinuousClock.now < reportDeadline && (reportedStatus == nil || reportedLog == nil || reportedCtl == nil) {
            notify.drain()
            if reportedStatus == nil { reportedStatus = notify.statusLines.dropFirst(statusCountBefore).first { $0.hasPrefix("Degraded") } }
            if reportedLog == nil {
                let log = (try? String(contentsOfFile: world.logPath, encoding: .utf8)) ?? ""
                reportedLog = log.utf8.count > logOffset
                    ? String(log.utf8.dropFirst(logOffset))?.split(separator: "\n").first { $0.contains("error") && ($0.contains("full") || $0.contains("space")) }.map(String.init)
                    : nil
            }
            if reportedCtl == nil, let status = try? await world.client.status(), !status.healthy { reportedCtl = status.healthProblems }
            try await Task.sleep(for: .milliseconds(100))
        }
        print("  STATUS=: \(reportedStatus ?? "(no Degraded line)")")
        print("  log: \(reportedLog.map { String($0.prefix(300)) } ?? "(no error line about the full disk)")")
        print("  dropstreamctl status: \(reportedCtl.map { "unhealthy: " + $0.joined(separator: "; ") } ?? "(healthy)")")
        let ctlText = try await runCtl(world, ["status"])
        print("  `dropstreamctl status` while full (exit \(ctlText.status)):\n" + ctlText.output.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))

        // A crash (or an operator's restart) while the disk is full: the daemon must come back
        // up and answer, or at least exit with a code systemd restarts — never 65 or 78.
        var restartWhileFullFailed = 0
        _ = try await world.killDaemon()
        try world.startDaemon()
        do {
            try await world.waitUntilAnswering(timeout: .seconds(60))
            print("  SIGKILLed and restarted while full: dropstreamd is up and answering")
        } catch {
            restartWhileFullFailed = 1
            let status = world.daemon?.isRunning == false ? world.daemon!.terminationStatus : -1
            print("  SIGKILLed and restarted while full: dropstreamd did not come up (exit \(status)): \(world.logTail(400).split(separator: "\n").last ?? "")")
            if status != 65 && status != 78 && status != -1 {
                try world.startDaemon()  // systemd would keep restarting it
            }
        }

        // Stay full a while: the daemon must stay up.
        let fullUntil = ContinuousClock.now + .seconds(fullSeconds)
        var exitsWhileFull = 0
        while ContinuousClock.now < fullUntil {
            if world.daemon?.isRunning != true {
                exitsWhileFull += 1
                print("  dropstreamd exited while the disk was full (status \(world.daemon?.terminationStatus ?? -1)); restarting it as systemd would")
                try world.startDaemon()
                try await Task.sleep(for: .seconds(1))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        notify.drain()
        let freedAt = NotifySocket.now()
        let pingsWhileFull = notify.pingTimes.filter { $0 >= filledAt && $0 <= freedAt }
        var gapWhileFull = Duration.zero
        var previous = filledAt
        for ping in pingsWhileFull + [freedAt] { gapWhileFull = max(gapWhileFull, ping - previous); previous = ping }
        let watchdogGaps = gapWhileFull > .milliseconds(Int64(watchdogMs)) ? 1 : 0

        // 2. Space returns.
        try FileManager.default.removeItem(atPath: filler)
        print("  space returned after \(fullSeconds) s full; \(pingsWhileFull.count) watchdog pings while full (longest gap \(QueueBenchSupport.format(gapWhileFull)))")
        var recovered = false
        let recoverDeadline = ContinuousClock.now + .seconds(reportTimeout)
        while ContinuousClock.now < recoverDeadline {
            if let status = try? await world.client.status(), status.healthy { recovered = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        var notRecovered = recovered ? 0 : 1
        if recovered {
            let pass = try await world.cleanPass()
            print("  healthy again; next pass (\(pass.kind)) succeeded: new \(pass.ordersNew), updated \(pass.ordersUpdated)")
        } else {
            print("  NOT healthy again within \(reportTimeout) s")
        }

        // 3. Read-only.
        let busy = mount.remount(readOnly: true)
        print("  remount read-only while dropstreamd runs: \(busy == nil ? "succeeded (unexpected)" : "refused by the kernel (\(busy!))")")
        if busy == nil { _ = mount.remount(readOnly: false) }
        _ = try await world.killDaemon()
        database = nil
        var readOnlyUnclear = 0
        if let error = mount.remount(readOnly: true) { throw DrillSetupError("remount read-only failed: \(error)") }
        let logBefore = (try? FileManager.default.attributesOfItem(atPath: world.logPath)[.size] as? Int) ?? 0
        try world.startDaemon()
        let exitDeadline = ContinuousClock.now + .seconds(30)
        while world.daemon?.isRunning == true && ContinuousClock.now < exitDeadline { try await Task.sleep(for: .milliseconds(50)) }
        let roLog = String(((try? String(contentsOfFile: world.logPath, encoding: .utf8)) ?? "").utf8.dropFirst(logBefore)) ?? ""
        if world.daemon?.isRunning == true {
            readOnlyUnclear = 1
            print("  read-only start: dropstreamd is still running after 30 s")
            await world.stopDaemon()
        } else {
            let status = world.daemon?.terminationStatus ?? 0
            let clear = roLog.lowercased().contains("read-only")
            if status == 0 || status == 65 || status == 78 || !clear { readOnlyUnclear = 1 }
            print("  read-only start: dropstreamd exited \(status)\(status == 65 || status == 78 ? " (systemd would NOT restart it)" : ""): \(roLog.split(separator: "\n").last.map(String.init) ?? "(no output)")")
        }
        try await Task.sleep(for: .seconds(2))  // the merchant keeps working meanwhile
        if let error = mount.remount(readOnly: false) { throw DrillSetupError("remount read-write failed: \(error)") }
        try await world.startDaemonAndWait()
        let pass = try await world.cleanPass()
        print("  read-write again; next pass (\(pass.kind)) succeeded: new \(pass.ordersNew), updated \(pass.ordersUpdated)")
        if let status = try? await world.client.status(), !status.healthy {
            notRecovered += 1
            print("  unhealthy after the read-only episode: \(status.healthProblems)")
        }

        merchantTask?.cancel()
        _ = await merchantTask?.value
        let final = try await world.cleanPass()
        database = try SQLiteStorage.open(path: world.databasePath)
        let audit = try await QueueAudit.run(database: database!, storeId: world.storeId, sandbox: world.sandbox.state, store: hash)
        let edits = await merchant.counts
        print("  merchant edits: \(edits.summary); final pass (\(final.kind)): new \(final.ordersNew)")
        print(audit.description)
        let wall = ContinuousClock.now - start
        print(String(format: "  wall time %.1f s", QueueBenchSupport.seconds(wall)))
        try DrillFigures(
            name: "disk",
            mustBeZero: [
                ("lost", audit.lost.count), ("duplicated", audit.duplicated.count), ("line_item_mismatches", audit.lineMismatches.count),
                ("departures_not_applied", audit.departuresNotApplied.count),
                ("full_not_reported_status", reportedStatus == nil ? 1 : 0), ("full_not_reported_log", reportedLog == nil ? 1 : 0),
                ("full_not_reported_ctl", reportedCtl == nil ? 1 : 0), ("restart_while_full_failed", restartWhileFullFailed),
                ("exits_while_full", exitsWhileFull),
                ("watchdog_gaps_while_full", watchdogGaps), ("not_recovered", notRecovered), ("read_only_start_unclear", readOnlyUnclear),
            ],
            info: [
                ("seed", rngSeed), ("orders", orders), ("size_mb", sizeMb), ("full_seconds", fullSeconds),
                ("open_when_filled", openWhenFilled), ("merchant_edits", edits.total), ("import_status_orders", audit.importStatusOrders),
                ("queued", audit.queued), ("status_line", reportedStatus ?? NSNull()), ("ctl_problems", reportedCtl ?? []),
                ("watchdog_max_gap_while_full_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(gapWhileFull))),
                ("wall_seconds", QueueBenchSupport.round3(QueueBenchSupport.seconds(wall))),
            ]
        ).report()
    }

    private func runCtl(_ world: DrillWorld, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = BuiltProducts.executable("dropstreamctl")
        process.arguments = arguments + ["--socket", world.socketPath]
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A tmpfs mounted on a directory for the drill; unmounted on release, on `unmount()`, and on
/// SIGINT/SIGTERM (the handler unmounts, then exits 130).
final class TmpfsMount: @unchecked Sendable {
    let path: String
    private var mounted = false
    private var signalSources: [DispatchSourceSignal] = []
    /// Runs first on SIGINT/SIGTERM (the drill kills its daemon, which holds files in the mount).
    var onInterrupt: @Sendable () -> Void = {}

    init(path: String, sizeMB: Int) throws {
        self.path = path
        if let error = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(sizeMB)m,mode=0700", "tmpfs", path]) {
            throw DrillSetupError("mount -t tmpfs on \(path) failed: \(error)")
        }
        mounted = true
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { [path, weak self] in
                self?.onInterrupt()
                _ = Self.run("/bin/umount", ["-l", path])
                FileHandle.standardError.write(Data("drill disk: interrupted; unmounted \(path)\n".utf8))
                exit(130)
            }
            source.resume()
            signalSources.append(source)
        }
    }

    deinit { unmount() }

    /// Unmounts (lazily if busy). Safe to call more than once.
    func unmount() {
        guard mounted else { return }
        if Self.run("/bin/umount", [path]) != nil { _ = Self.run("/bin/umount", ["-l", path]) }
        mounted = false
    }

    /// `mount -o remount,ro|rw`; nil on success, else mount's message.
    func remount(readOnly: Bool) -> String? {
        Self.run("/bin/mount", ["-o", "remount,\(readOnly ? "ro" : "rw")", path])
    }

    /// Writes zeros to `file` until the filesystem is full; returns the bytes written.
    func fill(file: String) throws -> Int {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw DrillSetupError("cannot create \(file): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0, count: 1 << 16)
        var total = 0
        while true {
            let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { break }
            total += written
        }
        return total
    }

    /// Runs a command; nil on exit 0, else its output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) -> String? {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return "\(error)" }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
