import Logging

extension Logger.Level {
    /// The syslog priority (`PRIORITY=` field, `<N>` prefix) for this level.
    ///
    /// swift-log has no alert/emergency levels, and trace and debug both map to debug (7): the
    /// journal has nothing below it.
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
