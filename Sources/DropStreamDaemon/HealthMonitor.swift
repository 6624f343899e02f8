/// Decides whether the daemon is making progress, which gates systemd's watchdog pings.
///
/// Each long-running loop reports progress under its name; a loop that has not reported for
/// longer than the stall timeout, or a failing database probe, makes the daemon unhealthy,
/// and the watchdog pings stop so systemd restarts a wedged daemon (STYLE §8, like
/// timesyncd pinging from its event loop rather than from a timer of its own).
///
/// A database whose storage refuses writes (disk full, read-only) makes the daemon unhealthy
/// but does not stop the pings: the loops still run, a restart cannot free space (and a
/// watchdog abort would write a core dump onto that same full disk), and every write simply
/// works again once the space returns (issue 7, `dropstream-bench drill disk`).
public actor HealthMonitor {
    /// The verdict at one moment.
    public struct Assessment: Sendable, Equatable {
        /// Every loop reported recently and the database answered.
        public var isHealthy: Bool { problems.isEmpty }
        /// One sentence per stalled loop or failing check.
        public var problems: [String]
        /// The problems a restart may fix (stalled loops, a wedged database): while any is
        /// present, systemd's watchdog pings stop. A subset of ``problems``.
        public var watchdogProblems: [String]

        public init(problems: [String], watchdogProblems: [String]? = nil) {
            self.problems = problems
            self.watchdogProblems = watchdogProblems ?? problems
        }
    }

    private let stallTimeout: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private var lastProgress: [String: ContinuousClock.Instant] = [:]
    private var databaseProblem: String?
    private var databaseProblemIsStorage = false

    /// - Parameters:
    ///   - stallTimeout: how long a loop may go without reporting progress.
    ///   - now: the clock; tests pass their own to move time without sleeping.
    public init(stallTimeout: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.stallTimeout = stallTimeout
        self.now = now
    }

    /// Starts watching a loop; it counts as having made progress now.
    public func register(loop name: String) {
        lastProgress[name] = now()
    }

    /// Stops watching a loop (it ended on purpose).
    public func unregister(loop name: String) {
        lastProgress[name] = nil
    }

    /// The loop did a unit of work, or waited on purpose and woke up.
    public func reportProgress(loop name: String) {
        lastProgress[name] = now()
    }

    /// The result of the latest database probe: nil when it worked. `storage`: the disk is
    /// full or read-only — reported, but it does not stop the watchdog pings.
    public func reportDatabase(problem: String?, storage: Bool = false) {
        databaseProblem = problem
        databaseProblemIsStorage = problem != nil && storage
    }

    /// The current verdict.
    public func assess() -> Assessment {
        let current = now()
        var problems: [String] = []
        for (name, last) in lastProgress.sorted(by: { $0.key < $1.key }) {
            let silence = last.duration(to: current)
            if silence > stallTimeout {
                problems.append("\(name) made no progress for \(silence.humanDescription) (limit \(stallTimeout.humanDescription))")
            }
        }
        var watchdogProblems = problems
        if let databaseProblem {
            problems.append("database: \(databaseProblem)")
            if !databaseProblemIsStorage { watchdogProblems.append("database: \(databaseProblem)") }
        }
        return Assessment(problems: problems, watchdogProblems: watchdogProblems)
    }
}
