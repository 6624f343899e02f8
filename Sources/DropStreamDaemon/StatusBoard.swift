import DropStreamSystemd

/// Holds the one human line systemd shows in `systemctl status` (`STATUS=`), and sends it only
/// when it changes so the notify socket is not flooded with identical lines.
actor StatusBoard {
    private(set) var current: String
    private let notifier: SystemdNotifier
    private var announced = false

    init(initial: String, notifier: SystemdNotifier) {
        current = initial
        self.notifier = notifier
    }

    /// Sets the line; sends `STATUS=` when it differs from the last one sent.
    func update(_ line: String) {
        guard line != current || !announced else { return }
        current = line
        announced = true
        notifier.status(line)
    }
}
