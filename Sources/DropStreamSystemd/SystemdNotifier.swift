import CSystemd
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Tells systemd about the service's state through `sd_notify(3)` (`Type=notify` units).
///
/// Create one from the environment at start-up and share it: it is a small `Sendable` value.
/// Off systemd (no `NOTIFY_SOCKET`) every method does nothing and reports nothing (STYLE 9).
/// A failed send is reported once, through the callback or logger given at creation, however
/// often it fails afterwards.
///
/// The environment is never unset (`unset_environment = 0`): later notifications (`STATUS=`,
/// `WATCHDOG=1`, `STOPPING=1`) need `NOTIFY_SOCKET` too.
public struct SystemdNotifier: Sendable {
    /// The result of one notification.
    public enum Outcome: Sendable, Equatable {
        /// The datagram was handed to the notification socket.
        case sent
        /// Not running under a service manager that wants notifications; nothing was done.
        case disabled
        /// The send failed; `errno` is the positive error number (0 when libsystemd found no
        /// `NOTIFY_SOCKET` in the process environment although the notifier was created with one).
        case failed(errno: Int32)
    }

    /// A notification that could not be delivered, handed to the failure callback once.
    public struct SendFailure: Error, Sendable, CustomStringConvertible {
        /// Positive error number; 0 when `NOTIFY_SOCKET` vanished from the process environment.
        public var errno: Int32
        /// The variable names of the failed notification, e.g. `["READY", "STATUS"]` (values are
        /// left out so that a status line never ends up somewhere unexpected).
        public var variables: [String]

        /// `sd_notify(READY,STATUS) failed: No such file or directory`.
        public var description: String {
            let reason = errno == 0 ? "NOTIFY_SOCKET is not set in the process environment" : String(cString: strerror(errno))
            return "sd_notify(\(variables.joined(separator: ","))) failed: \(reason)"
        }
    }

    /// Whether notifications are sent at all: `NOTIFY_SOCKET` was set and non-empty.
    public let isEnabled: Bool

    private let onSendFailure: @Sendable (SendFailure) -> Void
    private let failureReport: ReportOnce

    /// Creates a notifier from `environment`, calling `onSendFailure` on the first failed send only.
    ///
    /// - Parameters:
    ///   - environment: decides whether notifications are attempted (`NOTIFY_SOCKET`). libsystemd
    ///     itself reads the socket address from the process environment, because libsystemd 252 has
    ///     no call that takes it as an argument; pass the process environment (the default) unless
    ///     you mean to switch notifications off.
    ///   - onSendFailure: called at most once per notifier (and its copies).
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        onSendFailure: @escaping @Sendable (SendFailure) -> Void
    ) {
        self.isEnabled = !(environment["NOTIFY_SOCKET"] ?? "").isEmpty
        self.onSendFailure = onSendFailure
        self.failureReport = ReportOnce()
    }

    /// Creates a notifier from `environment` that logs the first failed send to `logger` at `.warning`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger) {
        self.init(environment: environment) { failure in
            logger.warning(
                "Could not notify systemd; further failures are not logged",
                metadata: ["error": "\(failure)"]
            )
        }
    }

    /// Whether a send failure has already been reported.
    public var hasReportedFailure: Bool { failureReport.hasFired }

    // MARK: the state changes of sd_notify(3)

    /// `READY=1`, with an optional `STATUS=` line: start-up finished, clients can connect.
    @discardableResult
    public func ready(status: String? = nil) -> Outcome {
        notify([("READY", "1")] + Self.statusAssignment(status))
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=` (CLOCK_MONOTONIC now, in µs), as `Type=notify-reload`
    /// requires; follow it with ``ready(status:)`` once the reload is done.
    @discardableResult
    public func reloading(status: String? = nil) -> Outcome {
        notify(
            [("RELOADING", "1"), ("MONOTONIC_USEC", String(Self.monotonicMicroseconds()))]
                + Self.statusAssignment(status)
        )
    }

    /// `STOPPING=1`, with an optional `STATUS=` line: shutdown has begun.
    @discardableResult
    public func stopping(status: String? = nil) -> Outcome {
        notify([("STOPPING", "1")] + Self.statusAssignment(status))
    }

    /// `STATUS=` alone: one human-readable line shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Outcome {
        notify(Self.statusAssignment(text))
    }

    /// `WATCHDOG=1`: the service is alive. Send it only from real progress, so that a wedged
    /// service stops pinging and systemd restarts it (DESIGN §6).
    @discardableResult
    public func watchdogPing() -> Outcome {
        notify([("WATCHDOG", "1")])
    }

    /// Sends `assignments` as one notification, `NAME=value` lines in the given order.
    ///
    /// Names containing `=`, a newline or NUL, and empty names, are dropped: they would corrupt
    /// the datagram. Newlines in values become spaces (the protocol is one assignment per line);
    /// NUL characters are removed (the C string would end there).
    @discardableResult
    public func notify(_ assignments: [(String, String)]) -> Outcome {
        guard isEnabled else { return .disabled }
        let valid = assignments.compactMap(Self.sanitised)
        guard !valid.isEmpty else {
            return fail(errno: EINVAL, variables: assignments.map(\.0))
        }
        let state = valid.map { "\($0.0)=\($0.1)" }.joined(separator: "\n")
        // unset_environment = 0: keep NOTIFY_SOCKET for every later notification.
        let result = sd_notify(0, state)
        if result > 0 { return .sent }
        return fail(errno: result < 0 ? -result : 0, variables: valid.map(\.0))
    }

    private func fail(errno: Int32, variables: [String]) -> Outcome {
        let failure = SendFailure(errno: errno, variables: variables)
        failureReport { onSendFailure(failure) }
        return .failed(errno: errno)
    }

    // MARK: helpers

    private static func statusAssignment(_ status: String?) -> [(String, String)] {
        status.map { [("STATUS", $0)] } ?? []
    }

    private static func sanitised(_ assignment: (String, String)) -> (String, String)? {
        let (name, value) = assignment
        guard !name.isEmpty, !name.contains(where: { $0 == "=" || $0.isNewline || $0 == "\0" }) else {
            return nil
        }
        var clean = ""
        clean.reserveCapacity(value.utf8.count)
        for character in value where character != "\0" {
            clean.append(character.isNewline ? " " : character)
        }
        return (name, clean)
    }

    /// CLOCK_MONOTONIC in microseconds, the clock systemd compares `MONOTONIC_USEC` against.
    static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}

extension SystemdNotifier {
    /// The watchdog timeout systemd expects pings within (`WatchdogSec=`), or `nil` when the
    /// watchdog is off or meant for another process.
    ///
    /// This is the whole `WATCHDOG_USEC`: ping at half of it. Uses `sd_watchdog_enabled(3)`, which
    /// honours `WATCHDOG_PID` (a value naming another process means "not for us") and does not
    /// unset the environment.
    ///
    /// - Parameter environment: decides whether the watchdog is considered at all
    ///   (`WATCHDOG_USEC`); the values themselves are read by libsystemd from the process
    ///   environment, as for ``SystemdNotifier/init(environment:onSendFailure:)``.
    public static func watchdogInterval(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> Duration? {
        guard environment["WATCHDOG_USEC"] != nil else { return nil }
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }
}
