import Foundation

// The sync part of the control API (DESIGN §5, issue 5): run a pass now, and what the last
// passes of a store did (for `store show` and `store sync`).

extension ControlAPI.Path {
    /// `POST` with ``SyncRequest``: run a pass of an active store now (``SyncResponse``; with
    /// `wait` the pass's result, else 202 and the pass is scheduled). `GET`: the store's sync
    /// state (``StoreSyncInfo``).
    public static func storeSync(_ name: String) -> String { store(name) + "/sync" }
}

/// `POST /v1/stores/{name}/sync`.
public struct SyncRequest: Codable, Sendable, Equatable {
    /// A full pass over the import status instead of an incremental one.
    public var full: Bool
    /// Wait for the pass to finish and return its result.
    public var wait: Bool

    public init(full: Bool = false, wait: Bool = false) {
        self.full = full
        self.wait = wait
    }
}

/// One sync pass as `store sync --wait` and `store show` report it.
public struct SyncPassInfo: Codable, Sendable, Equatable {
    /// `full` or `incremental`.
    public var kind: String
    /// `succeeded`, `failed`, `needs_reauthorization`, `running` (or `skipped`: the store was
    /// not active).
    public var outcome: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMilliseconds: Int64?
    /// Orders listed (and cancellations applied) by the pass.
    public var ordersSeen: Int
    public var ordersNew: Int
    public var ordersUpdated: Int
    public var ordersCancelled: Int
    /// Orders set aside because they moved to another open status in the store (nil when unknown).
    public var ordersHeld: Int?
    /// API requests made during the pass.
    public var requestsUsed: Int
    /// `X-Rate-Limit-Requests-Left` at the end of the pass.
    public var quotaLeft: Int?
    /// Why it failed; nil when it did not.
    public var error: String?

    public init(
        kind: String, outcome: String, startedAt: Date, finishedAt: Date?, durationMilliseconds: Int64?, ordersSeen: Int,
        ordersNew: Int, ordersUpdated: Int, ordersCancelled: Int, ordersHeld: Int?, requestsUsed: Int, quotaLeft: Int?,
        error: String?
    ) {
        self.kind = kind
        self.outcome = outcome
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMilliseconds = durationMilliseconds
        self.ordersSeen = ordersSeen
        self.ordersNew = ordersNew
        self.ordersUpdated = ordersUpdated
        self.ordersCancelled = ordersCancelled
        self.ordersHeld = ordersHeld
        self.requestsUsed = requestsUsed
        self.quotaLeft = quotaLeft
        self.error = error
    }
}

/// The answer to `POST /v1/stores/{name}/sync`.
public struct SyncResponse: Codable, Sendable, Equatable {
    public var store: String
    /// True when the pass was only scheduled (no `wait`).
    public var scheduled: Bool
    /// The pass's result, with `wait`.
    public var pass: SyncPassInfo?

    public init(store: String, scheduled: Bool, pass: SyncPassInfo?) {
        self.store = store
        self.scheduled = scheduled
        self.pass = pass
    }
}

/// `GET /v1/stores/{name}/sync`: where a store's sync stands (the sync part of `store show`).
public struct StoreSyncInfo: Codable, Sendable, Equatable {
    public var store: String
    /// Whether the scheduler runs passes for this store now (it is active).
    public var syncing: Bool
    /// A pass is running at this moment.
    public var passRunning: Bool
    /// The store's server time the last committed pass started at; nil before the first one.
    public var watermark: Date?
    /// The store's server time the last committed full pass started at.
    public var lastFullPassAt: Date?
    /// When the next pass is due (local clock); nil when not scheduled.
    public var nextPassAt: Date?
    /// Failed passes in a row (the back-off grows with it).
    public var consecutiveFailures: Int
    /// The most recent pass (possibly still running).
    public var lastPass: SyncPassInfo?
    /// The error of the most recent failed pass, if the last pass failed.
    public var lastError: String?

    public init(
        store: String, syncing: Bool, passRunning: Bool, watermark: Date?, lastFullPassAt: Date?, nextPassAt: Date?,
        consecutiveFailures: Int, lastPass: SyncPassInfo?, lastError: String?
    ) {
        self.store = store
        self.syncing = syncing
        self.passRunning = passRunning
        self.watermark = watermark
        self.lastFullPassAt = lastFullPassAt
        self.nextPassAt = nextPassAt
        self.consecutiveFailures = consecutiveFailures
        self.lastPass = lastPass
        self.lastError = lastError
    }
}
