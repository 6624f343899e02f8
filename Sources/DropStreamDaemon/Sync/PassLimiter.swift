/// Bounds how many sync passes run at once over all stores (`sync.max_concurrent_passes`).
/// Waiters are served first come, first served; a cancelled waiter leaves the line.
actor PassLimiter {
    private let limit: Int
    private var inUse = 0
    private var nextTicket: UInt64 = 0
    private var waiters: [(ticket: UInt64, continuation: CheckedContinuation<Bool, Never>)] = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Passes running now.
    var running: Int { inUse }

    /// Runs `body` holding a slot; nil when the caller was cancelled while waiting for one.
    func withSlot<T: Sendable>(_ body: @Sendable () async -> T) async -> T? {
        guard await acquire() else { return nil }
        let result = await body()
        release()
        return result
    }

    private func acquire() async -> Bool {
        if inUse < limit {
            inUse += 1
            return true
        }
        nextTicket += 1
        let ticket = nextTicket
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled {
                    continuation.resume(returning: false)
                } else {
                    waiters.append((ticket, continuation))
                }
            }
        } onCancel: {
            Task { await self.abandon(ticket) }
        }
    }

    private func abandon(_ ticket: UInt64) {
        guard let index = waiters.firstIndex(where: { $0.ticket == ticket }) else { return }
        waiters.remove(at: index).continuation.resume(returning: false)
    }

    private func release() {
        if waiters.isEmpty {
            inUse -= 1
        } else {
            // The slot passes straight to the next waiter.
            waiters.removeFirst().continuation.resume(returning: true)
        }
    }
}

/// A wake-up call with a timeout: a loop waits for its next turn, and anyone may cut the wait
/// short (`store sync`, a store list change). A signal while nobody waits is kept for the next wait.
actor WakeSignal {
    private var pending = false
    private var waiter: CheckedContinuation<Void, Never>?
    private var generation: UInt64 = 0

    /// Wakes the waiter now, or the next one at once.
    func signal() {
        if let waiter {
            self.waiter = nil
            generation += 1  // the wait's timer must not leave a signal behind
            waiter.resume()
        } else {
            pending = true
        }
    }

    /// Returns after `delay`, at a signal, or at cancellation, whichever comes first.
    func wait(for delay: Duration) async {
        if pending {
            pending = false
            return
        }
        generation += 1
        let mine = generation
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(for: delay)
                await self.timeout(mine)
            }
            group.addTask { await self.suspend(mine) }
            await group.next()
            group.cancelAll()
        }
    }

    private func suspend(_ generation: UInt64) async {
        guard generation == self.generation, !pending else {
            pending = false
            return
        }
        await withCheckedContinuation { waiter = $0 }
    }

    /// The wait's own timer fired (or was cancelled): end that wait, without leaving a signal behind.
    private func timeout(_ generation: UInt64) {
        guard generation == self.generation else { return }
        self.generation += 1
        if let waiter {
            self.waiter = nil
            waiter.resume()
        } else {
            // The suspend child has not started yet: make it return at once.
            pending = true
        }
    }
}
