import DropStreamControl
import DropStreamHarness
import Foundation

/// Runs a real `dropstreamd` binary the way systemd would: its own state directory, a config
/// file, and a notify socket of the test's own as `NOTIFY_SOCKET`.
final class DaemonHarness: @unchecked Sendable {
    let directory: TemporaryDirectory
    let notify: NotifySocket
    let socketPath: String
    let stateDirectory: String
    let configPath: String
    /// A free loopback port for the daemon's callback listener.
    let callbackPort: Int
    private(set) var daemon: SpawnedProcess?

    /// - Parameter config: the YAML written to the config file.
    init(config: String = "log:\n  level: debug\n") throws {
        directory = try TemporaryDirectory()
        notify = try NotifySocket(directory: directory.url)
        socketPath = directory.file("control.sock")
        stateDirectory = directory.file("state")
        configPath = directory.file("dropstreamd.yaml")
        callbackPort = try FreePort.next()
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// The environment a spawned daemon gets: ours minus anything systemd-ish, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = SpawnedProcess.inheritedEnvironment(droppingPrefix: "DROPSTREAM_")
        environment["NOTIFY_SOCKET"] = notify.path
        // Parallel daemons must not fight over the default callback port.
        environment["DROPSTREAM_CALLBACK_LISTEN"] = "127.0.0.1:\(callbackPort)"
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts the daemon; returns at once (use `notify` to wait for READY=1).
    @discardableResult
    func start(arguments extraArguments: [String] = [], environment extra: [String: String] = [:], logName: String = "dropstreamd.log") throws -> SpawnedProcess {
        let process = try SpawnedProcess(
            executable: BuiltProducts.executable("dropstreamd"),
            arguments: ["--config", configPath, "--state-directory", stateDirectory, "--socket", socketPath] + extraArguments,
            environment: environment(extra),
            outputPath: directory.file(logName)
        )
        daemon = process
        return process
    }

    /// Starts the daemon and waits for READY=1.
    func startAndWaitUntilReady(environment extra: [String: String] = [:]) async throws -> SpawnedProcess {
        let process = try start(environment: extra)
        do {
            _ = try await notify.next(setting: "READY", to: "1")
        } catch {
            throw TestFailure("\(error)\ndaemon output:\n\(process.output)")
        }
        return process
    }

    /// Runs `dropstreamctl ARGS --socket <ours>` (GlobalOptionsTests checks the other order).
    func ctl(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), arguments + ["--socket", socketPath])
    }

    /// `dropstreamctl status --json`, decoded.
    func status() async throws -> StatusResponse {
        let result = try await ctl(["status", "--json"])
        guard result.status == 0 else { throw TestFailure("dropstreamctl status failed (\(result.status)): \(result.stderr)") }
        return try ControlAPI.makeDecoder().decode(StatusResponse.self, from: Data(result.stdout.utf8))
    }
}

/// A failure with a message, for helpers that cannot use `#expect`.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
