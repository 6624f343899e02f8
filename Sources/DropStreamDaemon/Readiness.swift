/// A one-shot latch: the daemon is ready once every start-up requirement is met — the
/// database migrated (before the group runs), the control socket accepting connections and the
/// SIGHUP handler installed. READY=1 waits on it, so "ready" means "the ctl can connect".
public actor Readiness {
    /// A condition READY=1 waits for.
    public enum Requirement: String, CaseIterable, Sendable {
        case controlSocketListening = "control socket listening"
        case callbackListenerRunning = "callback listener running"
        /// The first database probe ran, so READY=1 comes with a real STATUS= line.
        case firstHealthCheckDone = "first health check done"
        case reloadHandlerInstalled = "reload handler installed"
    }

    private var pending: Set<Requirement>
    private var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var nextWaiter = 0

    public init(requirements: Set<Requirement> = Set(Requirement.allCases)) {
        pending = requirements
    }

    /// Records that a requirement is met; wakes the waiters when it was the last one.
    public func mark(_ requirement: Requirement) {
        guard pending.remove(requirement) != nil, pending.isEmpty else { return }
        for waiter in waiters.values { waiter.resume(returning: true) }
        waiters.removeAll()
    }

    /// Returns true once every requirement is met, or false if the task was cancelled first
    /// (a shutdown before start-up finished must not hang on this latch).
    public func wait() async -> Bool {
        if pending.isEmpty { return true }
        let id = nextWaiter
        nextWaiter += 1
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { continuation.resume(returning: false) } else { waiters[id] = continuation }
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume(returning: false)
    }
}
