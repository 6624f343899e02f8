import DropStreamControl
import DropStreamHarness
import Foundation
import Testing

extension ConnectionTests {
/// `dropstreamctl connect` on a pseudo-terminal, answered like an operator would type.
@Suite struct ConnectWizardTests {
    @Test func wizardAddsAuthorizesAndSetsTheImportStatus() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("wiz1", labels: [9: "Pack me"])

        // A bad hash first (asked again), then the real answers; the import status by label.
        let wizard = try PseudoTerminalProcess(
            executable: BuiltProducts.executable("dropstreamctl"), arguments: ["connect", "--socket", h.daemon.socketPath],
            directory: h.daemon.directory)
        wizard.type("Wizard Shop\n\nbad hash!\nWizard Shop\nbigcommerce\nhttps://api.bigcommerce.com/stores/wiz1/v3/\n")

        let client = ControlClient(socketPath: h.daemon.socketPath)
        try await eventually("the wizard's authorization window") {
            (try? await client.get(ControlAPI.Path.authorization("Wizard Shop"), as: AuthorizationProgressResponse.self))?.phase == .waiting
        }
        #expect(try await h.authorizeInBrowser(authorizeURL: h.sandbox.installURL, store: "wiz1").callback.status == 200)
        try await eventually("the Import Settings step") { wizard.output.contains("Order Import Status [") }
        wizard.type("pack me\n")
        let status = try await wizard.waitForExit()
        let output = wizard.output
        #expect(status == 0, "\(output)")
        for needle in ["Step 1 of 3: Store Setup", "Please try again", "Step 2 of 3: Authorize", h.sandbox.installURL,
                       "Connected.", "Step 3 of 3: Import Settings", "Pack me", "11  Awaiting Fulfillment", "Done: store 'Wizard Shop' is active", "Claim status: off",
                       "Configure SKUs"] {
            #expect(output.contains(needle), "wizard output lacks \(needle):\n\(output)")
        }
        let store = try await h.store("Wizard Shop")
        #expect(store.state == "active")
        #expect(store.importStatus.id == 9)
        try await h.stop()
    }

    @Test func wizardAcceptsTheDefaultImportStatus() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("wiz2")
        let wizard = try PseudoTerminalProcess(
            executable: BuiltProducts.executable("dropstreamctl"), arguments: ["connect", "--socket", h.daemon.socketPath],
            directory: h.daemon.directory)
        wizard.type("second\n\nwiz2\n\n")
        let client = ControlClient(socketPath: h.daemon.socketPath)
        try await eventually("the wizard's authorization window") {
            (try? await client.get(ControlAPI.Path.authorization("second"), as: AuthorizationProgressResponse.self))?.phase == .waiting
        }
        #expect(try await h.authorizeInBrowser(authorizeURL: h.sandbox.installURL, store: "wiz2").callback.status == 200)
        #expect(try await wizard.waitForExit() == 0, "\(wizard.output)")
        #expect(try await h.store("second").importStatus.id == 11)
        try await h.stop()
    }

    /// `store remove` asks on a terminal: "n" keeps the store, "y" disconnects it.
    @Test func removeAsksForConfirmationOnATerminal() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        _ = try await h.ctlJSON(["store", "add", "keep", "--store-hash", "keep1"], as: StoreDetail.self)
        let arguments = ["store", "remove", "keep", "--socket", h.daemon.socketPath]
        let declined = try PseudoTerminalProcess(executable: BuiltProducts.executable("dropstreamctl"), arguments: arguments, directory: h.daemon.directory)
        declined.type("n\n")
        #expect(try await declined.waitForExit() == 1)
        #expect(declined.output.contains("Disconnect store 'keep' (orders and history are kept)? [y/N]"))
        #expect(declined.output.contains("not removed"))
        #expect(try await h.store("keep").state == "awaiting_authorization")

        let confirmed = try PseudoTerminalProcess(executable: BuiltProducts.executable("dropstreamctl"), arguments: arguments, directory: h.daemon.directory)
        confirmed.type("y\n")
        #expect(try await confirmed.waitForExit() == 0, "\(confirmed.output)")
        #expect(try await h.store("keep").state == "disconnected")
        try await h.stop()
    }
}
}

/// A child whose stdin is the slave side of a pseudo-terminal (so it sees a TTY); stdout and
/// stderr go to a file. The test types into the master side.
final class PseudoTerminalProcess: @unchecked Sendable {
    private let process = Process()
    private let master: Int32
    private let slave: Int32
    private let outputPath: String

    init(executable: URL, arguments: [String], directory: TemporaryDirectory) throws {
        master = PTY.openpt(O_RDWR | O_NOCTTY)
        guard master >= 0, PTY.grantpt(master) == 0, PTY.unlockpt(master) == 0, let name = PTY.ptsname(master) else {
            throw TestFailure("no pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        slave = open(String(cString: name), O_RDWR | O_NOCTTY)
        guard slave >= 0 else { throw TestFailure("cannot open the pty slave: \(String(cString: strerror(errno)))") }
        // No echo: the master side is never read, and echoed input would only fill its buffer.
        var settings = termios()
        tcgetattr(slave, &settings)
        settings.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(slave, TCSANOW, &settings)
        outputPath = directory.file("wizard-\(UUID().uuidString.prefix(8)).out")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        close(master)
        close(slave)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func type(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    func waitForExit(timeout: Duration = .seconds(60)) async throws -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { throw TestFailure("the wizard is still running; output:\n\(output)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        return process.terminationStatus
    }
}

/// Glibc's pseudo-terminal calls, which Swift's Glibc module hides behind _XOPEN_SOURCE.
enum PTY {
    nonisolated(unsafe) private static let handle = dlopen(nil, RTLD_NOW)
    private static func function<T>(_ name: String, as type: T.Type) -> T {
        unsafeBitCast(dlsym(handle, name)!, to: type)
    }

    static func openpt(_ flags: Int32) -> Int32 { function("posix_openpt", as: (@convention(c) (Int32) -> Int32).self)(flags) }
    static func grantpt(_ fd: Int32) -> Int32 { function("grantpt", as: (@convention(c) (Int32) -> Int32).self)(fd) }
    static func unlockpt(_ fd: Int32) -> Int32 { function("unlockpt", as: (@convention(c) (Int32) -> Int32).self)(fd) }
    static func ptsname(_ fd: Int32) -> UnsafeMutablePointer<CChar>? {
        function("ptsname", as: (@convention(c) (Int32) -> UnsafeMutablePointer<CChar>?).self)(fd)
    }
}
