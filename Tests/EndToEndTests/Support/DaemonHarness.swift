import DropStreamControl
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
        var environment = ProcessInfo.processInfo.environment.filter { key, _ in
            !key.hasPrefix("DROPSTREAM_") && !["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM",
                                               "STATE_DIRECTORY", "RUNTIME_DIRECTORY", "CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY"].contains(key)
        }
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

    /// Runs `dropstreamctl ARGS --socket <ours>` (options go after the subcommand).
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

/// A loopback TCP port that was free a moment ago (bind to 0, read it back, close).
enum FreePort {
    static func next() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw TestFailure("bind(127.0.0.1:0): \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
