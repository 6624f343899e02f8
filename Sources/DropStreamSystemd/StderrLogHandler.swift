import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler writing one line per entry to stderr (or any ``LogOutput``), for when
/// stderr is not the journal.
///
/// Two styles:
/// - ``Style/prefixed``: `<4>sync: Order held store=acme order.id=7` — the `<N>` syslog priority
///   prefix of `sd-daemon.h` (`SD_WARNING` …), which systemd and most log collectors parse when
///   stderr goes to a file, a pipe or a syslog stream. A multi-line message gets the prefix on
///   every line, so no line loses its priority.
/// - ``Style/plain``: `2025-05-01T12:00:00.123+0200 warning sync: Order held store=acme` for a
///   terminal.
///
/// Metadata is written as `key=value`, nested dictionaries as dotted keys (`order.id=7`); values
/// with spaces, quotes or `=` are quoted.
public struct StderrLogHandler: LogHandler {
    /// How lines are written.
    public enum Style: Sendable, Equatable {
        /// `<N>` syslog-priority prefix, no timestamp (the collector adds one).
        case prefixed
        /// Local timestamp and level name, for a human at a terminal.
        case plain
    }

    /// The logger label, written before the message.
    public let label: String
    /// The line format.
    public let style: Style
    /// Where lines go.
    public let output: LogOutput

    /// Metadata attached to every entry of this handler (the `Logger`'s own metadata).
    public var metadata: Logger.Metadata = [:]
    /// Supplies contextual metadata (task-locals, …) at each log statement.
    public var metadataProvider: Logger.MetadataProvider?

    private let levelControl: LogLevelControl
    private var explicitLevel: Logger.Level?

    /// Creates a handler whose level follows `levelControl` until `logLevel` is set on it.
    public init(
        label: String,
        style: Style,
        levelControl: LogLevelControl,
        output: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.style = style
        self.levelControl = levelControl
        self.output = output
        self.metadataProvider = metadataProvider
    }

    /// The level set on this handler, or else the shared ``LogLevelControl``'s current level.
    public var logLevel: Logger.Level {
        get { explicitLevel ?? levelControl.level }
        set { explicitLevel = newValue }
    }

    /// One metadata value of this handler.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes one entry; `Logger` has already checked the level.
    public func log(event: LogEvent) {
        let merged = LogMetadata.effective(base: metadata, provider: metadataProvider, event: event)
        output.write(Self.format(event: event, label: label, metadata: merged, style: style))
    }

    // MARK: formatting

    /// The complete text for one entry, ending in a newline.
    static func format(event: LogEvent, label: String, metadata: Logger.Metadata, style: Style, now: timespec? = nil) -> String {
        var body = label.isEmpty ? "" : "\(label): "
        body += event.message.description
        for entry in LogMetadata.flatten(metadata) {
            body += " \(entry.path.joined(separator: "."))=\(quoted(entry.value))"
        }
        switch style {
        case .prefixed:
            let prefix = "<\(event.level.syslogPriority)>"
            return body.split(separator: "\n", omittingEmptySubsequences: false)
                .map { prefix + $0 + "\n" }
                .joined()
        case .plain:
            return "\(timestamp(now ?? realtimeNow())) \(event.level) \(body)\n"
        }
    }

    /// `value`, in double quotes when it would otherwise be ambiguous in `key=value` form.
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline || $0 == "\t" }
        guard needsQuotes else { return value }
        var result = "\""
        for character in value {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result.append(character)
            }
        }
        return result + "\""
    }

    static func realtimeNow() -> timespec {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now
    }

    /// Local time as `2025-05-01T12:00:00.123+0200`.
    static func timestamp(_ time: timespec) -> String {
        var seconds = time.tv_sec
        var local = tm()
        guard localtime_r(&seconds, &local) != nil else { return "<unknown time>" }
        func formatted(_ format: String) -> String {
            var buffer = [CChar](repeating: 0, count: 64)
            let length = strftime(&buffer, buffer.count, format, &local)
            return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        let milliseconds = Int(time.tv_nsec / 1_000_000)
        let fraction = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return formatted("%Y-%m-%dT%H:%M:%S") + "." + fraction + formatted("%z")
    }
}
