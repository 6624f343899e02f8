import DropStreamHarness
import Foundation
import Testing

/// The small forms of the reliability drills (issue 7): each spawns the built
/// `dropstream-bench drill NAME`, which runs the real dropstreamd against the sandbox, and must
/// exit 0 with every figure printed as 0. Full forms and their figures: README, "Reliability drills".
///
/// Serialized: each drill loads the machine (a daemon, a sandbox, kills or faults), and their
/// timing margins are meant for one at a time.
@Suite(.serialized) struct ReliabilityDrillTests {
    @Test func killFiveTimesDuringABackfillLosesAndDuplicatesNothing() async throws {
        let run = try await drill(["kill", "--kills", "5", "--orders", "600", "--seed", "7"])
        expectZero(run, ["lost", "duplicated", "line_item_mismatches", "departures_not_applied", "unexpected_exits"])
    }

    @Test func faultsForFortyFiveSecondsLoseNothingAndShipNothingTwice() async throws {
        let run = try await drill(["faults", "--duration", "45s", "--orders", "600", "--seed", "3"])
        expectZero(run, [
            "lost", "duplicated", "line_item_mismatches", "departures_not_applied", "duplicate_shipments",
            "shipments_not_delivered", "quota_violations", "watchdog_gaps_over_timeout", "daemon_exits",
        ])
        #expect(run.output.contains("watchdog: "), "the watchdog figure is printed")
    }

    @Test(.enabled(if: getuid() == 0, "the disk drill mounts a tmpfs as the state directory: it needs root"))
    func aFullThenReadOnlyDiskIsReportedAndLosesNothing() async throws {
        let run = try await drill(["disk", "--orders", "1000", "--full-seconds", "5", "--seed", "5"])
        expectZero(run, [
            "lost", "duplicated", "line_item_mismatches", "departures_not_applied", "full_not_reported_status",
            "full_not_reported_log", "full_not_reported_ctl", "restart_while_full_failed", "exits_while_full", "watchdog_gaps_while_full",
            "not_recovered", "read_only_start_unclear",
        ])
        // What the operator sees (the drill prints it): the daemon says why, in words.
        #expect(run.output.contains("STATUS=: Degraded: disk full or read-only"))
        #expect(run.output.contains("exited 73"), "a read-only state directory: EX_CANTCREAT, which systemd restarts")
    }

    // MARK: Support

    private struct DrillRun { var status: Int32; var output: String }

    /// Runs `dropstream-bench drill ARGS` to completion (at most 6 minutes on a loaded machine).
    private func drill(_ arguments: [String]) async throws -> DrillRun {
        let directory = try TemporaryDirectory()
        let child = try SpawnedProcess(
            executable: BuiltProducts.executable("dropstream-bench"), arguments: ["drill"] + arguments,
            environment: ProcessInfo.processInfo.environment, outputPath: directory.file("drill.log"))
        let deadline = ContinuousClock.now + .seconds(360)
        while child.process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(child.pid, SIGTERM)  // the disk drill unmounts on SIGTERM
                try await Task.sleep(for: .seconds(5))
                throw TestFailure("drill \(arguments) did not finish within 6 minutes:\n\(child.output.suffix(4000))")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return DrillRun(status: child.process.terminationStatus, output: child.output)
    }

    private func expectZero(_ run: DrillRun, _ figures: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 0, "the drill exited \(run.status):\n\(run.output.suffix(6000))", sourceLocation: sourceLocation)
        for figure in figures {
            #expect(run.output.contains("  \(figure) = 0\n"), "\(figure) is not printed as 0", sourceLocation: sourceLocation)
        }
        #expect(run.output.contains("\"passed\":true"), "the JSON line says passed", sourceLocation: sourceLocation)
    }
}
