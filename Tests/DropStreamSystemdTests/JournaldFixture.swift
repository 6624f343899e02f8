import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A systemd-journald for tests on a machine without systemd as PID 1 (containers, CI).
///
/// ``withJournald(_:)`` uses a journald that already answers on `/run/systemd/journal/socket`
/// (and leaves it running), or starts `/lib/systemd/systemd-journald` by hand — which needs
/// root — and stops it afterwards with SIGTERM by its PID, then removes `/run/systemd/journal`
/// and `/run/log/journal` (left-over socket files would make `sd_journal_sendv` fail with
/// ECONNREFUSED instead of ENOENT for the next user). Users in different test processes take
/// turns through a lock file, so one never stops the journald another is reading.
///
/// Self-contained (Foundation and Glibc only) so it can be copied into other test targets.
/// Never runs `journalctl --flush`: that would move the journal to persistent storage.
struct JournaldFixture: Sendable {
    static let journaldPath = "/lib/systemd/systemd-journald"
    static let socketPath = "/run/systemd/journal/socket"
    static let lockPath = "/tmp/dropstream-journald-fixture.lock"

    /// Why the fixture cannot work here, or `nil` when it can (root, journald installed).
    static var unavailableReason: String? {
        if getuid() != 0 { return "not running as root: starting systemd-journald by hand needs root" }
        if access(journaldPath, X_OK) != 0 { return "\(journaldPath) is missing" }
        if findExecutable("journalctl") == nil { return "journalctl is missing" }
        return nil
    }

    /// Whether this fixture started journald (and so stops it), or uses one that was running.
    let startedByFixture: Bool

    /// Something went wrong using the fixture or its tools.
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// journald could not be started here; a test may skip on it rather than fail.
    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `body` with a journald answering on the native socket.
    static func withJournald<R>(
        startTimeout: Duration = .seconds(10),
        _ body: (JournaldFixture) async throws -> R
    ) async throws -> R {
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Failure(description: "cannot open \(lockPath): \(String(cString: strerror(errno)))") }
        defer { close(lock) }  // closing releases the flock
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "flock \(lockPath): \(String(cString: strerror(errno)))") }
        }

        if socketAnswers() {
            return try await body(JournaldFixture(startedByFixture: false))
        }
        // A socket file nobody listens on is left over from a crashed run: clear it first.
        removeRuntimeDirectories()
        let journald: Process
        do {
            journald = try start(timeout: startTimeout)
        } catch let error as StartFailure {
            throw error
        } catch {
            throw StartFailure(description: "cannot launch \(journaldPath): \(error)")
        }
        defer { stop(journald) }
        return try await body(JournaldFixture(startedByFixture: true))
    }

    /// The entries whose `field` equals `value`, as JSON objects (`journalctl -o json`), polling
    /// until at least one is there or `timeout` passes (then the empty array).
    func entries(field: String, value: String, timeout: Duration = .seconds(10)) throws -> [[String: Any]] {
        let deadline = ContinuousClock.now + timeout
        while true {
            _ = try Self.run("journalctl", ["--sync"])
            let result = try Self.run("journalctl", ["-o", "json", "--no-pager", "\(field)=\(value)"])
            let entries = result.output.split(separator: "\n").compactMap { line -> [String: Any]? in
                guard line.first == "{" else { return nil }
                return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            }
            if !entries.isEmpty || ContinuousClock.now >= deadline { return entries }
        }
    }

    // MARK: starting and stopping

    private static func start(timeout: Duration) throws -> Process {
        let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("dropstream-journald-\(getpid()).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: journaldPath)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()

        // Ready when `journalctl --sync` succeeds: journald then answers on its varlink socket,
        // and it binds the native socket before that.
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                let output = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
                removeRuntimeDirectories()
                throw StartFailure(description: "systemd-journald exited with status \(process.terminationStatus): \(output)")
            }
            if socketAnswers(), (try? run("journalctl", ["--sync"]).status) == 0 {
                return process
            }
            // Yield the core while journald starts (~100 ms); this is a poll with a deadline.
            usleep(10_000)
        }
        stop(process)
        throw StartFailure(description: "systemd-journald did not answer within \(timeout)")
    }

    private static func stop(_ process: Process) {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        removeRuntimeDirectories()
    }

    private static func removeRuntimeDirectories() {
        for path in ["/run/systemd/journal", "/run/log/journal"] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// Whether something is bound to the native journal socket (a datagram `connect` to a socket
    /// file nobody holds fails with ECONNREFUSED).
    private static func socketAnswers() -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let length = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count + 1
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(length)) }
        } == 0
    }

    // MARK: running tools

    struct RunResult {
        var status: Int32
        var output: String
    }

    /// Runs `tool` (looked up in PATH) to completion; stdout and stderr together in `output`.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> RunResult {
        guard let executable = findExecutable(tool) else { throw Failure(description: "\(tool) not found in PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        // Read before waiting: a full pipe would otherwise block the child forever.
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return (path.split(separator: ":") + ["/usr/bin", "/bin"])
            .map { "\($0)/\(name)" }
            .first { access($0, X_OK) == 0 }
    }
}
