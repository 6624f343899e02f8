import DropStreamCore

/// The sync engine's knobs, from the `sync.*` configuration keys.
public struct SyncSettings: Sendable, Equatable {
    /// Time between two passes of a store without its own interval (`sync.poll_interval`).
    public var pollInterval: Duration
    /// How far before the watermark an incremental pass starts again (`sync.overlap`): covers
    /// whole-second timestamps, inclusive bounds and the store's own lag.
    public var overlap: Duration
    /// How often a store gets a full pass over the import status (`sync.full_reconcile_interval`).
    public var fullReconcileInterval: Duration
    /// The most passes running at once, over all stores (`sync.max_concurrent_passes`).
    public var maxConcurrentPasses: Int
    /// How often the scheduler re-reads the store list (stores added, paused, removed).
    public var storeRefreshInterval: Duration
    /// The first wait after a failed pass; doubles per failure, with jitter.
    public var failureBackoff: Duration
    /// The longest wait after failures.
    public var maximumFailureBackoff: Duration
    /// What an import does with a shipping method that has no rule (`shipping.unmapped`).
    public var unmappedShipping: UnmappedShippingPolicy = .pass

    public init(
        pollInterval: Duration = .seconds(60), overlap: Duration = .seconds(300), fullReconcileInterval: Duration = .seconds(3600),
        maxConcurrentPasses: Int = 4, storeRefreshInterval: Duration = .seconds(15), failureBackoff: Duration = .seconds(5),
        maximumFailureBackoff: Duration = .seconds(900)
    ) {
        self.pollInterval = pollInterval
        self.overlap = overlap
        self.fullReconcileInterval = fullReconcileInterval
        self.maxConcurrentPasses = max(1, maxConcurrentPasses)
        self.storeRefreshInterval = storeRefreshInterval
        self.failureBackoff = failureBackoff
        self.maximumFailureBackoff = maximumFailureBackoff
    }

    public static let `default` = SyncSettings()
}

extension Duration {
    /// Whole milliseconds, for log fields and the control API.
    var syncMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// `self` scaled by a random factor in `range` (jitter, so stores do not poll in lockstep).
    func jittered(_ range: ClosedRange<Double>) -> Duration {
        self * Double.random(in: range)
    }
}
