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

/// Chooses and builds the daemon's log handlers: native journal entries when stderr is the
/// journal, `<N>`-prefixed lines otherwise, plain lines at a terminal.
///
/// ```swift
/// let level = LogLevelControl(configuration.logLevel)
/// LoggingSystem.bootstrap(DaemonLogging.makeHandlerFactory(identifier: "dropstreamd", level: level))
/// // on SIGHUP, after the new configuration validated:
/// level.level = newConfiguration.logLevel
/// ```
public enum DaemonLogging {
    /// Where log entries go.
    public enum Destination: Sendable, Equatable {
        /// Native entries through `sd_journal_sendv` (stderr is connected to journald).
        case journal
        /// `<N>`-prefixed lines on stderr (a file, a pipe, or a service manager other than journald).
        case stderrPrefixed
        /// Timestamped lines without prefix on stderr (a terminal).
        case stderrPlain
    }

    /// Picks the destination: the journal when `JOURNAL_STREAM` names `standardError`, else plain
    /// lines when it is a terminal, else prefixed lines.
    public static func destination(
        environment: [String: String],
        standardError: LogOutput = .standardError
    ) -> Destination {
        if isJournalStream(environment["JOURNAL_STREAM"], fileDescriptor: standardError.fileDescriptor) {
            return .journal
        }
        return standardError.isTerminal ? .stderrPlain : .stderrPrefixed
    }

    /// Whether `fileDescriptor` is the stream systemd connected to journald, i.e. `journalStream`
    /// (the `JOURNAL_STREAM` value, `"<device>:<inode>"` in decimal) matches its `fstat(2)`.
    ///
    /// Comparing device and inode, not just checking that the variable exists, matters: the
    /// variable is inherited by children whose stderr was redirected elsewhere (systemd.exec(5)).
    public static func isJournalStream(_ journalStream: String?, fileDescriptor: Int32) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else {
            return false
        }
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }

    /// A handler factory for `LoggingSystem.bootstrap`: every handler it makes shares `level`.
    ///
    /// The destination is decided once, here, from `environment` and the current stderr: stderr
    /// does not change under a running daemon.
    ///
    /// - Parameters:
    ///   - identifier: `SYSLOG_IDENTIFIER` of journal entries (the executable's name).
    ///   - level: the shared level; change it to change every logger's level at runtime.
    ///   - environment: where `JOURNAL_STREAM` is read.
    public static func makeHandlerFactory(
        identifier: String,
        level: LogLevelControl,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> @Sendable (String) -> any LogHandler {
        makeHandlerFactory(
            identifier: identifier,
            level: level,
            destination: destination(environment: environment),
            output: .standardError
        )
    }

    /// A handler factory for an explicit destination and output (tests, or a caller that has
    /// already decided).
    public static func makeHandlerFactory(
        identifier: String,
        level: LogLevelControl,
        destination: Destination,
        output: LogOutput
    ) -> @Sendable (String) -> any LogHandler {
        switch destination {
        case .journal:
            return { label in
                JournalLogHandler(label: label, identifier: identifier, levelControl: level, fallback: output)
            }
        case .stderrPrefixed:
            return { label in StderrLogHandler(label: label, style: .prefixed, levelControl: level, output: output) }
        case .stderrPlain:
            return { label in StderrLogHandler(label: label, style: .plain, levelControl: level, output: output) }
        }
    }
}
