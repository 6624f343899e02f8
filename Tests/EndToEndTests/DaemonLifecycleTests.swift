import DropStreamControl
import Foundation
import Testing

/// dropstreamd's life under a (test-played) systemd: the spawned binary, a real notify socket,
/// real signals, the real control socket and dropstreamctl.
@Suite struct DaemonLifecycleTests {
    @Test func readyThenStatusThenReloadThenStop() async throws {
        let harness = try DaemonHarness()
        let daemon = try await harness.startAndWaitUntilReady()

        // READY=1 means the ctl can connect.
        let status = try await harness.status()
        #expect(status.pid == daemon.pid)
        #expect(status.databasePath == harness.stateDirectory + "/dropstream.sqlite")
        #expect(status.schemaVersion >= 1)
        #expect(status.ordersByState.keys.sorted() == ["cancelled", "claimed", "held", "ready", "shipped"])
        #expect(status.ordersByState.values.allSatisfy { $0 == 0 })
        #expect(status.storesByState["active"] == 0)

        // The socket is 0660 and the database 0600.
        #expect(try permissions(harness.socketPath) == 0o660)
        #expect(try permissions(status.databasePath) == 0o600)

        // SIGHUP: RELOADING=1 with a current MONOTONIC_USEC, then READY=1.
        daemon.signal(SIGHUP)
        let reloading = try await harness.notify.next(setting: "RELOADING", to: "1")
        let monotonic = try #require(reloading.fields["MONOTONIC_USEC"].flatMap(UInt64.init))
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nowMicroseconds = UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
        #expect(monotonic <= nowMicroseconds && nowMicroseconds - monotonic < 30_000_000)
        _ = try await harness.notify.next(setting: "READY", to: "1")
        #expect(daemon.process.isRunning)

        // SIGTERM: STOPPING=1, exit 0, socket removed.
        daemon.signal(SIGTERM)
        _ = try await harness.notify.next(setting: "STOPPING", to: "1")
        let exitStatus = try await daemon.waitForExit()
        #expect(exitStatus == 0, "output:\n\(daemon.output)")
        #expect(!FileManager.default.fileExists(atPath: harness.socketPath))
    }

    @Test func sigintAlsoStopsGracefully() async throws {
        let harness = try DaemonHarness()
        let daemon = try await harness.startAndWaitUntilReady()
        daemon.signal(SIGINT)
        _ = try await harness.notify.next(setting: "STOPPING", to: "1")
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func badConfigurationOnReloadKeepsTheRunningOne() async throws {
        let harness = try DaemonHarness(config: "log:\n  level: info\n")
        let daemon = try await harness.startAndWaitUntilReady()
        try "log:\n  level: shouting\n".write(toFile: harness.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        _ = try await harness.notify.next(setting: "RELOADING", to: "1")
        _ = try await harness.notify.next(setting: "READY", to: "1")
        // Still serving, and the refusal was logged with the key's name.
        _ = try await harness.status()
        #expect(daemon.output.contains("log.level"))
        #expect(daemon.output.contains("keeping the running configuration"))
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    @Test func statusLineIsSentToSystemd() async throws {
        let harness = try DaemonHarness(config: "health:\n  check_interval: 200ms\n")
        let daemon = try await harness.startAndWaitUntilReady()
        let message = try await harness.notify.waitForAny { $0.fields["STATUS"]?.contains(" ready, ") == true }
        #expect(message.fields["STATUS"] == "0 ready, 0 claimed, 0 held; no store connected")
        daemon.signal(SIGTERM)
        #expect(try await daemon.waitForExit() == 0)
    }

    private func permissions(_ path: String) throws -> mode_t {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("stat(\(path)): \(String(cString: strerror(errno)))") }
        return info.st_mode & 0o777
    }
}
