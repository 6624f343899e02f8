import DropStreamHarness
import Foundation
import Testing

/// What dropstreamd and dropstreamctl do with bad input and conflicts: a clear sentence and a
/// documented exit code, and nothing stolen or written.
@Suite struct StartupRefusalTests {
    @Test(arguments: [
        ("log:\n  level: verbose\n", "log.level"),
        ("health:\n  stall_timeout: soon\n", "health.stall_timeout"),
        ("contrl:\n  socket: /tmp/x.sock\n", "contrl.socket"),
        ("shutdown:\n  timeout: 1 fortnight\n", "shutdown.timeout"),
        ("log: [info, debug]\n", "log"),
        ("health:\n  check_interval: 5m\n  stall_timeout: 1m\n", "health.check_interval"),
    ])
    func invalidConfigurationExits78NamingTheKey(config: String, key: String) async throws {
        let harness = try DaemonHarness(config: config)
        let daemon = try harness.start()
        let status = try await daemon.waitForExit()
        #expect(status == 78, "output:\n\(daemon.output)")
        #expect(daemon.output.contains("'\(key)'"), "output:\n\(daemon.output)")
        #expect(!FileManager.default.fileExists(atPath: harness.stateDirectory + "/dropstream.sqlite"))
    }

    @Test func invalidEnvironmentValueExits78() async throws {
        let harness = try DaemonHarness(config: "")
        let daemon = try harness.start(environment: ["DROPSTREAM_LOG_LEVEL": "loud"])
        #expect(try await daemon.waitForExit() == 78)
        #expect(daemon.output.contains("'log.level'"))
    }

    @Test func missingExplicitConfigFileExits78() async throws {
        let harness = try DaemonHarness()
        try FileManager.default.removeItem(atPath: harness.configPath)
        let daemon = try harness.start()
        #expect(try await daemon.waitForExit() == 78)
        #expect(daemon.output.contains("does not exist"))
    }

    @Test func secondDaemonOnTheSameSocketRefusesToStart() async throws {
        let first = try DaemonHarness()
        let running = try await first.startAndWaitUntilReady()

        let second = try DaemonHarness()
        let intruder = try SpawnedProcess(
            executable: BuiltProducts.executable("dropstreamd"),
            arguments: ["--config", second.configPath, "--state-directory", second.stateDirectory, "--socket", first.socketPath],
            environment: second.environment(),
            outputPath: second.directory.file("intruder.log")
        )
        #expect(try await intruder.waitForExit() == 75)
        #expect(intruder.output.contains("already listening on \(first.socketPath)"))
        // The first daemon still answers on its socket.
        #expect(try await first.status().pid == running.pid)

        running.signal(SIGTERM)
        #expect(try await running.waitForExit() == 0)
    }

    @Test func secondDaemonOnTheSameStateDirectoryRefusesToStart() async throws {
        let harness = try DaemonHarness()
        let running = try await harness.startAndWaitUntilReady()
        let intruder = try SpawnedProcess(
            executable: BuiltProducts.executable("dropstreamd"),
            arguments: ["--config", harness.configPath, "--state-directory", harness.stateDirectory, "--socket", harness.directory.file("other.sock")],
            environment: harness.environment(),
            outputPath: harness.directory.file("intruder.log")
        )
        #expect(try await intruder.waitForExit() == 75)
        #expect(intruder.output.contains("state directory"))
        running.signal(SIGTERM)
        #expect(try await running.waitForExit() == 0)
    }

    @Test func staleSocketFromACrashedRunIsReplaced() async throws {
        let harness = try DaemonHarness()
        let crashed = try await harness.startAndWaitUntilReady()
        crashed.signal(SIGKILL)
        _ = try await crashed.waitForExit()
        #expect(FileManager.default.fileExists(atPath: harness.socketPath), "SIGKILL leaves the socket file behind")

        let restarted = try harness.start(logName: "restarted.log")
        _ = try await harness.notify.next(setting: "READY", to: "1")
        #expect(restarted.output.contains("stale control socket"))
        #expect(try await harness.status().pid == restarted.pid)
        restarted.signal(SIGTERM)
        #expect(try await restarted.waitForExit() == 0)
    }

    @Test func ctlWithoutADaemonSaysSoAndExits69() async throws {
        let directory = try TemporaryDirectory()
        let socket = directory.file("nobody.sock")
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["status", "--socket", socket])
        #expect(result.status == 69)
        #expect(result.stderr.contains("not running"))
        #expect(result.stderr.contains(socket))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
