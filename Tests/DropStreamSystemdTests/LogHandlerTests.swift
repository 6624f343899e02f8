import Logging
import Synchronization
import Testing

@testable import DropStreamSystemd

#if canImport(Glibc)
import Glibc
#endif

private struct OrderError: Error, CustomStringConvertible {
    var description: String { "order 7 rejected" }
}

@Suite struct SyslogPriorityTests {
    @Test("swift-log levels map to syslog priorities")
    func mapping() {
        let expected: [Logger.Level: Int] = [.trace: 7, .debug: 7, .info: 6, .notice: 5, .warning: 4, .error: 3, .critical: 2]
        for level in Logger.Level.allCases {
            #expect(level.syslogPriority == expected[level], "\(level)")
        }
    }
}

@Suite struct StderrLogHandlerTests {
    private func logger(_ style: StderrLogHandler.Style, _ pipe: OutputPipe, level: LogLevelControl = LogLevelControl(.trace), label: String = "sync") -> Logger {
        Logger(label: label) { label in
            StderrLogHandler(label: label, style: style, levelControl: level, output: LogOutput(fileDescriptor: pipe.writeEnd))
        }
    }

    @Test("Prefixed lines carry <N>, the label, the message and sorted key=value metadata")
    func prefixed() throws {
        let pipe = try OutputPipe()
        var logger = logger(.prefixed, pipe)
        logger[metadataKey: "store"] = "acme"
        logger.warning("Order held", metadata: ["order.id": "7", "reason": "address missing"])
        logger.error("Sync failed", metadata: ["order": ["id": "8", "total": "12.50"]])
        logger.debug("Tick")
        logger.critical("Database gone")
        #expect(pipe.finish() == """
            <4>sync: Order held order.id=7 reason="address missing" store=acme
            <3>sync: Sync failed order.id=8 order.total=12.50 store=acme
            <7>sync: Tick store=acme
            <2>sync: Database gone store=acme

            """)
    }

    @Test("Every line of a multi-line message keeps the priority prefix")
    func multiline() throws {
        let pipe = try OutputPipe()
        logger(.prefixed, pipe).notice("first\nsecond")
        #expect(pipe.finish() == "<5>sync: first\n<5>second\n")
    }

    @Test("Values are quoted when they would be ambiguous; an attached error becomes metadata")
    func quotingAndErrors() throws {
        let pipe = try OutputPipe()
        logger(.prefixed, pipe).error(
            "Rejected",
            error: OrderError(),
            metadata: ["empty": "", "eq": "a=b", "quote": "say \"hi\"", "nl": "x\ny", "plain": "ok"]
        )
        let line = pipe.finish()
        #expect(line.hasPrefix("<3>sync: Rejected "))
        #expect(line.contains(#" empty="" "#))
        #expect(line.contains(#" eq="a=b" "#))
        #expect(line.contains(#" quote="say \"hi\"""#))
        #expect(line.contains(#" nl="x\ny" "#))
        #expect(line.contains(#" error.message="order 7 rejected" "#))
        #expect(line.contains(" error.type="))
        #expect(line.contains(" plain=ok"))
        #expect(line.filter { $0 == "\n" }.count == 1)
    }

    @Test("Plain lines start with a local timestamp and the level name, no prefix")
    func plain() throws {
        let pipe = try OutputPipe()
        logger(.plain, pipe, label: "ctl").info("Listening", metadata: ["socket": "/run/dropstream/control.sock"])
        let line = pipe.finish()
        let pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{4} info ctl: Listening socket=\/run\/dropstream\/control\.sock\n$/
        #expect(line.wholeMatch(of: pattern) != nil, "\(line.debugDescription)")
    }

    @Test("Handler metadata, provider metadata and statement metadata merge, later winning")
    func metadataPrecedence() throws {
        let pipe = try OutputPipe()
        let provider = Logger.MetadataProvider { ["request": "r-1", "store": "from-provider"] }
        var logger = Logger(label: "m") { label in
            StderrLogHandler(label: label, style: .prefixed, levelControl: LogLevelControl(), output: LogOutput(fileDescriptor: pipe.writeEnd), metadataProvider: provider)
        }
        logger[metadataKey: "store"] = "from-handler"
        logger[metadataKey: "worker"] = "w1"
        logger.info("a")
        logger.info("b", metadata: ["store": "explicit"])
        #expect(pipe.finish() == """
            <6>m: a request=r-1 store=from-provider worker=w1
            <6>m: b request=r-1 store=explicit worker=w1

            """)
    }

    @Test("The shared level changes every handler at runtime; an explicitly set level stays")
    func sharedLevel() throws {
        let pipe = try OutputPipe()
        let control = LogLevelControl(.info)
        let factory = DaemonLogging.makeHandlerFactory(identifier: "t", level: control, destination: .stderrPrefixed, output: LogOutput(fileDescriptor: pipe.writeEnd))
        let a = Logger(label: "a", factory: factory)
        let b = Logger(label: "b", factory: factory)
        var pinned = Logger(label: "pinned", factory: factory)
        pinned.logLevel = .error

        a.debug("hidden")
        control.level = .debug  // what a SIGHUP reload does
        #expect(a.logLevel == .debug && b.logLevel == .debug)
        #expect(pinned.logLevel == .error)
        a.debug("shown a")
        b.debug("shown b")
        pinned.warning("hidden pinned")
        control.level = .critical
        b.error("hidden b")
        pinned.error("shown pinned")
        #expect(pipe.finish() == "<7>a: shown a\n<7>b: shown b\n<3>pinned: shown pinned\n")
    }

    @Test("Concurrent loggers never interleave within a line")
    func concurrentLines() async throws {
        let pipe = try OutputPipe()
        let output = LogOutput(fileDescriptor: pipe.writeEnd)
        let control = LogLevelControl(.info)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    let logger = Logger(label: "w\(worker)") { StderrLogHandler(label: $0, style: .prefixed, levelControl: control, output: output) }
                    for index in 0..<50 {
                        logger.info("entry", metadata: ["index": "\(index)", "padding": "\(String(repeating: "x", count: 200))"])
                    }
                }
            }
        }
        let lines = pipe.finish().split(separator: "\n")
        #expect(lines.count == 200)
        #expect(lines.allSatisfy { $0.wholeMatch(of: /<6>w\d: entry index=\d+ padding=x{200}/) != nil })
    }
}

@Suite struct JournalLogHandlerTests {
    private let event = LogEvent(
        level: .warning,
        message: "Order held",
        metadata: nil,
        source: "DropStreamDaemon",
        file: "DropStreamDaemon/StoreSyncer.swift",
        function: "sync(store:)",
        line: 42
    )

    @Test("An entry carries the fixed fields and one sanitised field per metadata leaf")
    func fields() {
        let fields = JournalLogHandler.fields(
            event: event,
            label: "dropstream.sync",
            identifier: "dropstreamd",
            metadata: ["store": "acme", "order.id": "7", "order": ["total": "12.50", "lines": ["a", "b"]], "🙂": "dropped"]
        )
        #expect(fields == [
            "MESSAGE=Order held",
            "PRIORITY=4",
            "SYSLOG_IDENTIFIER=dropstreamd",
            "CODE_FILE=DropStreamDaemon/StoreSyncer.swift",
            "CODE_LINE=42",
            "CODE_FUNC=sync(store:)",
            "LOGGER=dropstream.sync",
            #"ORDER_LINES=["a", "b"]"#,
            "ORDER_TOTAL=12.50",
            "ORDER_ID=7",
            "STORE=acme",
        ])
    }

    @Test("Metadata cannot overwrite fields the handler or journald own")
    func reservedNames() {
        let fields = JournalLogHandler.fields(
            event: event,
            label: "l",
            identifier: "dropstreamd",
            metadata: ["message": "m", "priority": "0", "syslog.identifier": "evil", "code_line": "1", "unit": "x"]
        )
        #expect(fields.filter { $0.hasPrefix("MESSAGE=") } == ["MESSAGE=Order held"])
        #expect(fields.filter { $0.hasPrefix("PRIORITY=") } == ["PRIORITY=4"])
        #expect(fields.filter { $0.hasPrefix("SYSLOG_IDENTIFIER=") } == ["SYSLOG_IDENTIFIER=dropstreamd"])
        #expect(fields.contains("META_MESSAGE=m"))
        #expect(fields.contains("META_PRIORITY=0"))
        #expect(fields.contains("META_SYSLOG_IDENTIFIER=evil"))
        #expect(fields.contains("META_CODE_LINE=1"))
        #expect(fields.contains("META_UNIT=x"))
        for field in fields {
            let name = String(field.prefix { $0 != "=" })
            #expect(JournalFieldName.isValid(name), "\(name)")
        }
    }

    @Test("When sd_journal_sendv fails, entries go to the fallback as <N> lines and the failure is reported once")
    func fallback() throws {
        let pipe = try OutputPipe()
        let attempts = Atomic<Int>(0)
        let handler = JournalLogHandler(
            label: "sync",
            identifier: "dropstreamd",
            levelControl: LogLevelControl(.info),
            fallback: LogOutput(fileDescriptor: pipe.writeEnd),
            metadataProvider: nil,
            failureReport: ReportOnce(),
            send: { _ in
                attempts.add(1, ordering: .relaxed)
                return -ECONNREFUSED
            }
        )
        let logger = Logger(label: "sync") { _ in handler }
        logger.warning("first", metadata: ["store": "acme"])
        logger.error("second")
        let output = pipe.finish()
        #expect(attempts.load(ordering: .relaxed) == 2)
        #expect(output == """
            <4>dropstreamd: sd_journal_sendv failed (\(String(cString: strerror(ECONNREFUSED)))); log entries go to stderr instead, and this is reported only once
            <4>sync: first store=acme
            <3>sync: second

            """)
    }

    @Test("A successful send writes nothing to the fallback")
    func success() throws {
        let pipe = try OutputPipe()
        let sent = Mutex<[[String]]>([])
        let handler = JournalLogHandler(
            label: "sync", identifier: "d", levelControl: LogLevelControl(.info),
            fallback: LogOutput(fileDescriptor: pipe.writeEnd), metadataProvider: nil,
            failureReport: ReportOnce(),
            send: { fields in
                sent.withLock { $0.append(fields) }
                return 0
            }
        )
        var logger = Logger(label: "sync") { _ in handler }
        logger[metadataKey: "store"] = "acme"
        logger.info("hello")
        logger.debug("filtered by the shared level")
        #expect(pipe.finish() == "")
        let entries = sent.withLock { $0 }
        #expect(entries.count == 1)
        #expect(entries.first?.contains("STORE=acme") == true)
        #expect(entries.first?.contains("PRIORITY=6") == true)
    }
}

@Suite struct DaemonLoggingTests {
    private func streamValue(of fd: Int32) throws -> String {
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw SystemCallError(call: "fstat", errno: errno) }
        return "\(status.st_dev):\(status.st_ino)"
    }

    @Test("JOURNAL_STREAM matches only the descriptor it names")
    func journalStream() throws {
        let pipe = try OutputPipe()
        let other = try OutputPipe()
        let value = try streamValue(of: pipe.writeEnd)
        #expect(DaemonLogging.isJournalStream(value, fileDescriptor: pipe.writeEnd))
        #expect(!DaemonLogging.isJournalStream(value, fileDescriptor: other.writeEnd))
        #expect(!DaemonLogging.isJournalStream(nil, fileDescriptor: pipe.writeEnd))
        for malformed in ["", ":", "1", "a:b", "1:2:3", "\(value)x", " \(value)"] {
            #expect(!DaemonLogging.isJournalStream(malformed, fileDescriptor: pipe.writeEnd), "\(malformed)")
        }
        #expect(!DaemonLogging.isJournalStream(value, fileDescriptor: -1))
    }

    @Test("The destination is the journal when JOURNAL_STREAM names stderr, else prefixed lines on a pipe")
    func destination() throws {
        let pipe = try OutputPipe()
        let output = LogOutput(fileDescriptor: pipe.writeEnd)
        let value = try streamValue(of: pipe.writeEnd)
        #expect(DaemonLogging.destination(environment: ["JOURNAL_STREAM": value], standardError: output) == .journal)
        #expect(DaemonLogging.destination(environment: [:], standardError: output) == .stderrPrefixed)
        #expect(DaemonLogging.destination(environment: ["JOURNAL_STREAM": "1:1"], standardError: output) == .stderrPrefixed)
    }

    @Test("A terminal gets plain lines", .enabled(if: access("/dev/ptmx", R_OK | W_OK) == 0, "needs /dev/ptmx for a pseudo-terminal"))
    func terminal() throws {
        // posix_openpt/grantpt/ptsname are hidden behind _XOPEN_SOURCE in the Glibc module, so
        // do what they do: open the multiplexer, unlock the pair, ask for its number.
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw SystemCallError(call: "open /dev/ptmx", errno: errno) }
        defer { close(master) }
        let TIOCSPTLCK: UInt = 0x4004_5431  // _IOW('T', 0x31, int), asm-generic
        let TIOCGPTN: UInt = 0x8004_5430  // _IOR('T', 0x30, unsigned int), asm-generic
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, TIOCSPTLCK, &unlock) == 0, ioctl(master, TIOCGPTN, &number) == 0 else {
            throw SystemCallError(call: "ioctl /dev/ptmx", errno: errno)
        }
        let terminal = open("/dev/pts/\(number)", O_RDWR | O_NOCTTY)
        guard terminal >= 0 else { throw SystemCallError(call: "open /dev/pts/\(number)", errno: errno) }
        defer { close(terminal) }
        #expect(DaemonLogging.destination(environment: [:], standardError: LogOutput(fileDescriptor: terminal)) == .stderrPlain)
    }

    @Test("The factory builds the handler type of each destination")
    func factory() {
        let control = LogLevelControl(.notice)
        let journal = DaemonLogging.makeHandlerFactory(identifier: "d", level: control, destination: .journal, output: .standardError)("x")
        let prefixed = DaemonLogging.makeHandlerFactory(identifier: "d", level: control, destination: .stderrPrefixed, output: .standardError)("x")
        let plain = DaemonLogging.makeHandlerFactory(identifier: "d", level: control, destination: .stderrPlain, output: .standardError)("x")
        #expect((journal as? JournalLogHandler)?.identifier == "d")
        #expect((prefixed as? StderrLogHandler)?.style == .prefixed)
        #expect((plain as? StderrLogHandler)?.style == .plain)
        #expect(journal.logLevel == .notice)
    }
}
