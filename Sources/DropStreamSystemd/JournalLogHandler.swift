import CSystemd
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A swift-log handler writing native journal entries through `sd_journal_sendv(3)`.
///
/// Each entry carries `MESSAGE`, `PRIORITY` (see `Logger.Level.syslogPriority`),
/// `SYSLOG_IDENTIFIER`, `CODE_FILE`, `CODE_LINE`, `CODE_FUNC`, `LOGGER` (the logger label) and one
/// field per metadata leaf, its key made a valid field name by ``JournalFieldName/sanitise(_:)``
/// (`store` → `STORE`, `order.id` → `ORDER_ID`, nested `order: [id: …]` → `ORDER_ID`). Query them
/// with `journalctl STORE=acme`.
///
/// A metadata key that would overwrite a field the handler or journald gives a meaning
/// (`message`, `priority`, `syslog_identifier`, …) is written with a `META_` prefix instead.
///
/// If `sd_journal_sendv` fails (journald gone, socket full), the entry goes to the fallback
/// output as a `<N>`-prefixed line, and the failure is reported there once.
public struct JournalLogHandler: LogHandler {
    /// The logger label, sent as `LOGGER=`.
    public let label: String
    /// Sent as `SYSLOG_IDENTIFIER=` (the daemon's name, e.g. `dropstreamd`).
    public let identifier: String

    /// Metadata attached to every entry of this handler (the `Logger`'s own metadata).
    public var metadata: Logger.Metadata = [:]
    /// Supplies contextual metadata (task-locals, …) at each log statement.
    public var metadataProvider: Logger.MetadataProvider?

    private let levelControl: LogLevelControl
    private var explicitLevel: Logger.Level?
    private let fallback: LogOutput
    private let send: @Sendable ([String]) -> Int32
    private let failureReport: ReportOnce

    /// Creates a handler whose level follows `levelControl` until `logLevel` is set on it.
    ///
    /// - Parameter fallback: where an entry goes when the journal refuses it.
    public init(
        label: String,
        identifier: String,
        levelControl: LogLevelControl,
        fallback: LogOutput = .standardError,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.init(
            label: label,
            identifier: identifier,
            levelControl: levelControl,
            fallback: fallback,
            metadataProvider: metadataProvider,
            failureReport: Self.processFailureReport,
            send: Self.sendv
        )
    }

    /// The seam for tests: another sender and a report latch of their own.
    init(
        label: String,
        identifier: String,
        levelControl: LogLevelControl,
        fallback: LogOutput,
        metadataProvider: Logger.MetadataProvider?,
        failureReport: ReportOnce,
        send: @escaping @Sendable ([String]) -> Int32
    ) {
        self.label = label
        self.identifier = identifier
        self.levelControl = levelControl
        self.fallback = fallback
        self.metadataProvider = metadataProvider
        self.failureReport = failureReport
        self.send = send
    }

    /// One latch for the whole process: every logger writes to the same journal socket, so one
    /// report of its failure is enough.
    private static let processFailureReport = ReportOnce()

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
        let result = send(Self.fields(event: event, label: label, identifier: identifier, metadata: merged))
        guard result < 0 else { return }
        failureReport {
            let reason = String(cString: strerror(-result))
            fallback.write(
                "<\(Logger.Level.warning.syslogPriority)>\(identifier): sd_journal_sendv failed (\(reason)); "
                    + "log entries go to stderr instead, and this is reported only once\n"
            )
        }
        fallback.write(StderrLogHandler.format(event: event, label: label, metadata: merged, style: .prefixed))
    }

    // MARK: fields

    /// Field names the handler sets itself or that journald/journalctl give a meaning; metadata
    /// must not overwrite or duplicate them.
    static let reservedFieldNames: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER",
        "SYSLOG_FACILITY", "SYSLOG_PID", "SYSLOG_TIMESTAMP", "SYSLOG_RAW",
        "TID", "UNIT", "USER_UNIT", "INVOCATION_ID", "USER_INVOCATION_ID",
        "OBJECT_PID", "COREDUMP_UNIT", "COREDUMP_USER_UNIT",
    ]

    /// Prefix for metadata whose sanitised name is reserved (`message` → `META_MESSAGE`).
    static let reservedPrefix = "META_"

    /// The `FIELD=value` strings of one entry, fixed fields first, then metadata by key.
    static func fields(event: LogEvent, label: String, identifier: String, metadata: Logger.Metadata) -> [String] {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(event.level.syslogPriority)",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "CODE_FILE=\(event.file)",
            "CODE_LINE=\(event.line)",
            "CODE_FUNC=\(event.function)",
            "LOGGER=\(label)",
        ]
        for entry in LogMetadata.flatten(metadata) {
            guard var name = JournalFieldName.sanitise(entry.path.joined(separator: "_")) else { continue }
            if reservedFieldNames.contains(name) {
                name = String((reservedPrefix + name).prefix(JournalFieldName.maximumLength))
            }
            fields.append("\(name)=\(entry.value)")
        }
        return fields
    }

    /// Sends `fields` as one entry; returns `sd_journal_sendv`'s result (negative errno on failure).
    static func sendv(_ fields: [String]) -> Int32 {
        // One contiguous buffer, so every iovec points into memory that lives across the call.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + $1.utf8.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            // Values may hold newlines or NUL: sd_journal_sendv frames those by length itself.
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
