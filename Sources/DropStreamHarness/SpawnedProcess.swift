import Foundation

/// A child process with stdout and stderr captured together in a file; SIGKILLed if it is still
/// running when released, so a failing test or bench never leaves one behind.
public final class SpawnedProcess: @unchecked Sendable {
    public let process = Process()
    public let outputPath: String

    /// Starts `executable` at once.
    /// - Parameter appendOutput: append to `outputPath` (one log over restarts) instead of
    ///   starting it empty.
    public init(executable: URL, arguments: [String], environment: [String: String], outputPath: String, appendOutput: Bool = false) throws {
        self.outputPath = outputPath
        if !appendOutput || !FileManager.default.fileExists(atPath: outputPath) {
            _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        if appendOutput { try output.seekToEnd() }
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    public var pid: Int32 { process.processIdentifier }
    public var processIdentifier: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var terminationStatus: Int32 { process.terminationStatus }
    public var terminationReason: Process.TerminationReason { process.terminationReason }
    /// Everything it wrote so far.
    public var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    private var name: String { process.executableURL?.lastPathComponent ?? "?" }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits for the process to exit, polling with a deadline; returns its exit status.
    public func waitForExit(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                throw HarnessError("process \(name) still running after \(timeout); output:\n\(output)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }

    /// SIGKILLs it and waits until it is gone; true when the SIGKILL is what ended it (false when
    /// it had already exited on its own).
    @discardableResult
    public func killAndWait(timeout: Duration = .seconds(20)) async throws -> Bool {
        guard process.isRunning else { return false }
        signal(SIGKILL)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw HarnessError("\(name) survived SIGKILL for \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// Stops it gracefully: SIGTERM, then SIGKILL if it is still running after `grace`.
    public func stop(grace: Duration = .seconds(15)) async {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = ContinuousClock.now + grace
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }

    /// Runs a command to completion and returns its exit status, stdout and stderr; terminates
    /// it and throws when it runs past `timeout`.
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        timeout: Duration = .seconds(60)
    ) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = try TemporaryDirectory()
        let stdoutPath = directory.file("stdout"), stderrPath = directory.file("stderr")
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now > deadline {
                process.terminate()
                throw HarnessError("\(executable.lastPathComponent) \(arguments) did not finish within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return (
            process.terminationStatus,
            (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "",
            (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        )
    }

    /// Variables systemd sets for the service it runs; a child spawned from a test or a bench
    /// must not inherit ours (it would notify or read credentials of the wrong unit).
    public static let systemdVariables: Set<String> = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "STATE_DIRECTORY",
        "RUNTIME_DIRECTORY", "CONFIGURATION_DIRECTORY", "CREDENTIALS_DIRECTORY",
    ]

    /// This process's environment minus `systemdVariables` and every variable starting with
    /// `prefix` (the child's own settings, which the caller then sets explicitly).
    public static func inheritedEnvironment(droppingPrefix prefix: String) -> [String: String] {
        ProcessInfo.processInfo.environment.filter { key, _ in !key.hasPrefix(prefix) && !systemdVariables.contains(key) }
    }
}
