import Synchronization

/// A latch that lets exactly one caller through, shared by every copy of the value holding it.
///
/// systemd integration must not turn a broken socket into a log line per notification or per log
/// entry (STYLE 9): the first failure is reported, later ones are counted out silently.
final class ReportOnce: Sendable {
    private let fired = Atomic<Bool>(false)

    init() {}

    /// Whether the report already happened.
    var hasFired: Bool { fired.load(ordering: .relaxed) }

    /// Runs `report` the first time only; returns whether it ran.
    @discardableResult
    func callAsFunction(_ report: () -> Void) -> Bool {
        // exchange, not load-then-store: two threads failing at once must not both report.
        guard !fired.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        report()
        return true
    }
}
