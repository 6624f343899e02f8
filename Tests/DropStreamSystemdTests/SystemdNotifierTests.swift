import Logging
import Synchronization
import Testing

@testable import DropStreamSystemd

#if canImport(Glibc)
import Glibc
#endif

/// Counts failure reports; the notifier must call its callback at most once.
final class FailureRecorder: Sendable {
    private let failures = Mutex<[SystemdNotifier.SendFailure]>([])
    var all: [SystemdNotifier.SendFailure] { failures.withLock { $0 } }
    func record(_ failure: SystemdNotifier.SendFailure) { failures.withLock { $0.append(failure) } }
}

extension ProcessEnvironmentTests {
    @Suite struct SystemdNotifierTests {
        @Test("READY=1 with STATUS arrives on a path socket and on an abstract one", arguments: [false, true])
        func readyWithStatus(abstract: Bool) throws {
            let socket = try NotifySocket(abstract: abstract)
            let recorder = FailureRecorder()
            try withEnvironment(["NOTIFY_SOCKET": socket.address]) { () throws in
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address], onSendFailure: recorder.record)
                #expect(notifier.isEnabled)
                #expect(notifier.ready(status: "3 stores syncing") == .sent)
                #expect(try socket.receive() == "READY=1\nSTATUS=3 stores syncing")
                #expect(notifier.ready() == .sent)
                #expect(try socket.receive() == "READY=1")
            }
            #expect(recorder.all.isEmpty)
        }

        @Test("RELOADING=1 carries MONOTONIC_USEC taken from CLOCK_MONOTONIC at the call")
        func reloading() throws {
            let socket = try NotifySocket(abstract: false)
            try withEnvironment(["NOTIFY_SOCKET": socket.address]) { () throws in
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]) { _ in }
                let before = SystemdNotifier.monotonicMicroseconds()
                #expect(notifier.reloading() == .sent)
                let after = SystemdNotifier.monotonicMicroseconds()

                let lines = try #require(try socket.receive()).split(separator: "\n")
                #expect(lines.count == 2)
                #expect(lines.first == "RELOADING=1")
                let value = try #require(lines.last?.split(separator: "=", maxSplits: 1))
                #expect(value.first == "MONOTONIC_USEC")
                let microseconds = try #require(UInt64(value.last ?? ""))
                #expect(before <= microseconds && microseconds <= after)
            }
        }

        @Test("STOPPING=1, STATUS=, WATCHDOG=1 and generic assignments arrive, and the environment stays set")
        func otherStates() throws {
            let socket = try NotifySocket(abstract: true)
            try withEnvironment(["NOTIFY_SOCKET": socket.address]) { () throws in
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]) { _ in }
                notifier.stopping(status: "shutting down")
                #expect(try socket.receive() == "STOPPING=1\nSTATUS=shutting down")
                notifier.status("12 ready, 2 held")
                #expect(try socket.receive() == "STATUS=12 ready, 2 held")
                notifier.watchdogPing()
                #expect(try socket.receive() == "WATCHDOG=1")
                notifier.notify([("EXTEND_TIMEOUT_USEC", "5000000"), ("STATUS", "migrating")])
                #expect(try socket.receive() == "EXTEND_TIMEOUT_USEC=5000000\nSTATUS=migrating")
                // unset_environment = 0: sd_notify left NOTIFY_SOCKET for later notifications.
                #expect(getenv("NOTIFY_SOCKET").map { String(cString: $0) } == socket.address)
            }
        }

        @Test("A newline in a value cannot inject another assignment; invalid names are dropped")
        func sanitisesAssignments() throws {
            let socket = try NotifySocket(abstract: false)
            try withEnvironment(["NOTIFY_SOCKET": socket.address]) { () throws in
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]) { _ in }
                notifier.notify([("STATUS", "one\nREADY=1"), ("BAD=NAME", "x"), ("", "y"), ("A\nB", "z")])
                #expect(try socket.receive() == "STATUS=one READY=1")
            }
        }

        @Test("Without NOTIFY_SOCKET nothing is sent and nothing is reported")
        func silentOffSystemd() throws {
            let recorder = FailureRecorder()
            try withEnvironment(["NOTIFY_SOCKET": nil]) { () throws in
                let notifier = SystemdNotifier(onSendFailure: recorder.record)
                #expect(!notifier.isEnabled)
                #expect(notifier.ready(status: "x") == .disabled)
                #expect(notifier.reloading() == .disabled)
                #expect(notifier.stopping() == .disabled)
                #expect(notifier.watchdogPing() == .disabled)
            }
            #expect(recorder.all.isEmpty)

            // A notifier created without NOTIFY_SOCKET stays silent even when the process has one:
            // the first datagram on the socket is the enabled notifier's, so nothing came before.
            let socket = try NotifySocket(abstract: false)
            try withEnvironment(["NOTIFY_SOCKET": socket.address]) { () throws in
                #expect(SystemdNotifier(environment: [:], onSendFailure: recorder.record).ready() == .disabled)
                SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.address]) { _ in }.watchdogPing()
                #expect(try socket.receive() == "WATCHDOG=1")
            }
            #expect(recorder.all.isEmpty)
        }

        @Test("A failing socket is reported once, however often it fails")
        func failureReportedOnce() throws {
            let recorder = FailureRecorder()
            let missing = "/tmp/dropstream-no-such-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            withEnvironment(["NOTIFY_SOCKET": missing]) {
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": missing], onSendFailure: recorder.record)
                #expect(notifier.ready(status: "secret-looking status") == .failed(errno: ENOENT))
                let copy = notifier  // copies share the latch
                #expect(copy.watchdogPing() == .failed(errno: ENOENT))
                #expect(notifier.stopping() == .failed(errno: ENOENT))
                #expect(notifier.hasReportedFailure)
            }
            let failures = recorder.all
            #expect(failures.count == 1)
            #expect(failures.first?.errno == ENOENT)
            #expect(failures.first?.variables == ["READY", "STATUS"])
            #expect(failures.first?.description.contains("secret-looking") == false)
        }

        @Test("Created with a logger, the notifier logs the first failure once, at warning")
        func failureLoggedOnce() throws {
            let pipe = try OutputPipe()
            let output = LogOutput(fileDescriptor: pipe.writeEnd)
            let logger = Logger(label: "notify") {
                StderrLogHandler(label: $0, style: .prefixed, levelControl: LogLevelControl(.info), output: output)
            }
            let missing = "/tmp/dropstream-no-such-socket-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            withEnvironment(["NOTIFY_SOCKET": missing]) {
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": missing], logger: logger)
                notifier.watchdogPing()
                notifier.watchdogPing()
                notifier.status("still failing")
            }
            let lines = pipe.finish().split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.hasPrefix("<4>notify: Could not notify systemd; further failures are not logged error=") == true)
            #expect(lines.first?.contains("WATCHDOG") == true)
        }

        @Test("NOTIFY_SOCKET given to the notifier but missing from the process is a reported failure")
        func processEnvironmentLacksSocket() {
            let recorder = FailureRecorder()
            withEnvironment(["NOTIFY_SOCKET": nil]) {
                let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/run/whatever"], onSendFailure: recorder.record)
                #expect(notifier.ready() == .failed(errno: 0))
            }
            #expect(recorder.all.count == 1)
        }
    }

    @Suite struct WatchdogIntervalTests {
        static let usec = "4000000"

        @Test("WATCHDOG_PID naming this process gives the full WATCHDOG_USEC")
        func ourPid() {
            withEnvironment(["WATCHDOG_USEC": Self.usec, "WATCHDOG_PID": String(getpid())]) {
                #expect(SystemdNotifier.watchdogInterval() == .seconds(4))
                // sd_watchdog_enabled(0, ...) must not unset the variables.
                #expect(getenv("WATCHDOG_USEC") != nil)
                #expect(getenv("WATCHDOG_PID") != nil)
            }
        }

        @Test("WATCHDOG_PID naming another process means the watchdog is not ours")
        func otherPid() {
            withEnvironment(["WATCHDOG_USEC": Self.usec, "WATCHDOG_PID": String(getpid() + 1)]) {
                #expect(SystemdNotifier.watchdogInterval() == nil)
            }
        }

        @Test("Without WATCHDOG_PID the watchdog applies to us")
        func noPid() {
            withEnvironment(["WATCHDOG_USEC": "1500", "WATCHDOG_PID": nil]) {
                #expect(SystemdNotifier.watchdogInterval() == .microseconds(1500))
            }
        }

        @Test("Without WATCHDOG_USEC, or with a malformed one, there is no watchdog", arguments: [nil, "", "soon", "0"] as [String?])
        func noWatchdog(usec: String?) {
            withEnvironment(["WATCHDOG_USEC": usec, "WATCHDOG_PID": nil]) {
                #expect(SystemdNotifier.watchdogInterval() == nil)
            }
        }

        @Test("An environment without WATCHDOG_USEC switches the watchdog off even if the process has one")
        func explicitEnvironment() {
            withEnvironment(["WATCHDOG_USEC": Self.usec, "WATCHDOG_PID": nil]) {
                #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
                #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": Self.usec]) == .seconds(4))
            }
        }
    }
}
