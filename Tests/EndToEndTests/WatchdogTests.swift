import DropStreamHarness
import Foundation
import Testing

/// WATCHDOG=1 comes at half of WATCHDOG_USEC while the daemon makes progress, and stops when
/// it does not: here the database is locked by another process, as a wedged disk would.
@Suite struct WatchdogTests {
    @Test func pingsAtHalfTheTimeoutAndStopWithoutProgress() async throws {
        let harness = try DaemonHarness(config: """
            health:
              check_interval: 200ms
              stall_timeout: 2s
            """)
        let daemon = try await harness.startAndWaitUntilReady(environment: ["WATCHDOG_USEC": "2000000"])

        // Cadence: with WATCHDOG_USEC = 2 s the daemon pings every 1 s. The mean over several
        // pings is what systemd cares about and is robust to the test's own scheduling jitter;
        // no single gap may reach the timeout itself.
        var pings: [Duration] = []
        for _ in 0..<6 {
            pings.append(try await harness.notify.next(setting: "WATCHDOG", to: "1", timeout: .seconds(10)).arrivedAt)
        }
        #expect(!pings.contains(.zero), "the kernel gave no arrival timestamps")
        let gaps = zip(pings.dropFirst(), pings).map { $0.0 - $0.1 }
        let mean = (pings.last! - pings.first!) / (pings.count - 1)
        #expect(mean > .milliseconds(800) && mean < .milliseconds(1400), "gaps: \(gaps)")
        #expect(gaps.max()! < .seconds(2), "a gap reached the watchdog timeout: \(gaps)")

        // Wedge it: another process holds SQLite's write lock, so the health probe cannot write.
        let locker = try DatabaseLocker(databasePath: harness.stateDirectory + "/dropstream.sqlite", directory: harness.directory)
        try await locker.waitUntilLocked()
        let silence = try await waitForSilence(on: harness.notify, lasting: .seconds(3), within: .seconds(30))
        #expect(silence)
        let wedged = try await harness.status()
        #expect(!wedged.healthy)
        #expect(!wedged.healthProblems.isEmpty)

        // Unwedge: pings resume.
        locker.release()
        _ = try await harness.notify.next(setting: "WATCHDOG", to: "1", timeout: .seconds(20))
        #expect(daemon.output.contains("withholding watchdog pings"))

        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func noWatchdogUsecMeansNoPings() async throws {
        let harness = try DaemonHarness(config: "health:\n  check_interval: 100ms\n")
        let daemon = try await harness.startAndWaitUntilReady()
        // Absence can only be observed over a span: an enabled pinger pings right after READY=1,
        // so 1.5 s (15 health checks) without a ping shows it is off.
        let end = ContinuousClock.now + .milliseconds(1500)
        while ContinuousClock.now < end {
            #expect(!harness.notify.all.contains { $0.fields["WATCHDOG"] != nil })
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await harness.status().healthy)
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    /// True once no WATCHDOG=1 arrived for `lasting`; false if that never happened before `within`.
    private func waitForSilence(on notify: NotifySocket, lasting: Duration, within: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + within
        var lastPing = ContinuousClock.now
        while ContinuousClock.now < deadline {
            if let ping = notify.all.last(where: { $0.fields["WATCHDOG"] == "1" }) { lastPing = max(lastPing, ping.receivedAt) }
            if ContinuousClock.now - lastPing >= lasting { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }
}

/// Holds SQLite's write lock on a database from another process (python3's sqlite3), so the
/// daemon's writes block exactly as they would behind a wedged writer.
final class DatabaseLocker: @unchecked Sendable {
    private let process: SpawnedProcess
    private let markerPath: String

    init(databasePath: String, directory: TemporaryDirectory) throws {
        markerPath = directory.file("locked")
        let script = """
            import sqlite3, sys, time, os
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
            open(sys.argv[2], "w").close()
            while True:
                time.sleep(1)
            """
        process = try SpawnedProcess(
            executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: ["python3", "-c", script, databasePath, markerPath],
            environment: ProcessInfo.processInfo.environment,
            outputPath: directory.file("locker.log")
        )
    }

    func waitUntilLocked(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !FileManager.default.fileExists(atPath: markerPath) {
            guard ContinuousClock.now < deadline, process.process.isRunning else {
                throw TestFailure("could not lock the database: \(process.output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func release() {
        process.signal(SIGKILL)
        process.process.waitUntilExit()
    }
}
