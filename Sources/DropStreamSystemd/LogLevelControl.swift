import Logging
import Synchronization

/// The log level shared by every handler made by one ``DaemonLogging`` factory, changeable at
/// runtime (a SIGHUP reload applies a new `log-level` to all existing loggers at once).
///
/// A handler whose `logLevel` was set explicitly keeps that value (swift-log's value semantics:
/// setting the level of one `Logger` changes only that logger); every other handler follows this
/// control.
///
/// Why a `Mutex` is fine here: `Logger` reads the level on every log statement, so this is on a
/// hot path, but the critical section is a single one-byte load, writers are rare (start-up and
/// reloads), and an uncontended futex lock costs a few nanoseconds without a system call. An
/// atomic would be marginally cheaper but needs a raw-value mapping of `Logger.Level`; the mutex
/// keeps the type obvious and stays correct if the control ever holds more than one value.
public final class LogLevelControl: Sendable {
    private let storage: Mutex<Logger.Level>

    /// Creates a control starting at `level`.
    public init(_ level: Logger.Level = .info) {
        self.storage = Mutex(level)
    }

    /// The current level; setting it takes effect for the next log statement on any thread.
    public var level: Logger.Level {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
