import NIOHTTP1

/// The rate-limit headers of one response (all optional: a 429 from platform overload has none).
public struct RateLimitHeaders: Sendable, Hashable {
    /// `X-Rate-Limit-Requests-Left`.
    public var requestsLeft: Int?
    /// `X-Rate-Limit-Requests-Quota`.
    public var requestsQuota: Int?
    /// `X-Rate-Limit-Time-Reset-Ms`: time until the quota refreshes.
    public var timeUntilReset: Duration?
    /// `X-Rate-Limit-Time-Window-Ms`.
    public var timeWindow: Duration?
    /// `X-Retry-After` (seconds), sent by older endpoints on 429.
    public var retryAfter: Duration?

    public init(
        requestsLeft: Int? = nil, requestsQuota: Int? = nil, timeUntilReset: Duration? = nil,
        timeWindow: Duration? = nil, retryAfter: Duration? = nil
    ) {
        self.requestsLeft = requestsLeft
        self.requestsQuota = requestsQuota
        self.timeUntilReset = timeUntilReset
        self.timeWindow = timeWindow
        self.retryAfter = retryAfter
    }

    /// Reads the headers case-insensitively; malformed values count as absent.
    public init(_ headers: HTTPHeaders) {
        func integer(_ name: String) -> Int? {
            headers.first(name: name).flatMap { Int($0.trimmingWhitespace()) }.flatMap { $0 >= 0 ? $0 : nil }
        }
        requestsLeft = integer("X-Rate-Limit-Requests-Left")
        requestsQuota = integer("X-Rate-Limit-Requests-Quota")
        timeUntilReset = integer("X-Rate-Limit-Time-Reset-Ms").map { .milliseconds($0) }
        timeWindow = integer("X-Rate-Limit-Time-Window-Ms").map { .milliseconds($0) }
        retryAfter = integer("X-Retry-After").map { .seconds($0) }
    }

    /// True when the response carried none of the quota headers (a 429 like that means
    /// platform overload rather than this store's quota).
    public var isEmpty: Bool {
        requestsLeft == nil && requestsQuota == nil && timeUntilReset == nil && timeWindow == nil && retryAfter == nil
    }
}

/// The quota as last seen, plus counters, for "requests used" / "quota left" reporting.
public struct RateLimitStatus: Sendable, Hashable {
    /// Requests per window (`X-Rate-Limit-Requests-Quota`), once seen.
    public var requestsQuota: Int?
    /// Requests left in the window as of the last response, less those sent since.
    public var requestsLeft: Int?
    /// The window length, once seen.
    public var timeWindow: Duration?
    /// Time from now until the quota refreshes, if known and still in the future.
    public var timeUntilReset: Duration?
    /// Requests this pacer let through since it was created.
    public var requestsSent: Int
    /// 429 responses seen since it was created.
    public var rateLimitedResponses: Int
    /// Total time requests were held back (pacing and 429 waits).
    public var totalWaited: Duration
    /// Responses by HTTP status since the pacer was created (for metrics).
    public var responsesByStatus: [Int: Int] = [:]
}

/// How close to the quota the pacer lets requests run, and how it backs off from a 429 that
/// carries no headers.
public struct PacingPolicy: Sendable, Hashable {
    /// Requests left unused in each window. The quota is shared by every app on the store, so a
    /// small reserve keeps this client from starving the others (and from the 429 that a
    /// concurrent app's request would cause).
    public var reserve: Int
    /// First wait after a 429 without rate-limit headers; doubles per consecutive such 429.
    public var overloadBackoff: Duration
    /// The longest wait after a 429 without headers.
    public var maximumOverloadBackoff: Duration

    public init(reserve: Int = 2, overloadBackoff: Duration = .seconds(2), maximumOverloadBackoff: Duration = .seconds(60)) {
        self.reserve = max(0, reserve)
        self.overloadBackoff = overloadBackoff
        self.maximumOverloadBackoff = maximumOverloadBackoff
    }

    public static let `default` = PacingPolicy()
}

/// Paces one store's requests against its quota. Share one pacer between every client that
/// uses the same store (the quota is per store, not per client).
///
/// Before a request, ``acquire()`` waits if the last response left no more than
/// ``PacingPolicy/reserve`` requests, until the window resets; after a 429 it waits the reset
/// time (or the longer `X-Retry-After`). After each response, ``record(_:status:)`` updates the
/// picture. All waiting goes through the injected clock, so tests run in no real time.
public actor RateLimitPacer {
    private let clock: PacingClock
    /// The pacing policy in force.
    public nonisolated let policy: PacingPolicy

    private var requestsQuota: Int?
    private var timeWindow: Duration?
    /// Requests left as of the last response, decremented for each request let through since:
    /// concurrent requests must not all see the same last "left".
    private var estimatedLeft: Int?
    /// When the current window resets (clock time), if known.
    private var resetAt: Duration?
    /// No request before this (clock time): set by a 429.
    private var blockedUntil: Duration?
    private var consecutiveOverloads = 0
    private var requestsSent = 0
    private var rateLimitedResponses = 0
    private var responsesByStatus: [Int: Int] = [:]
    private var totalWaited: Duration = .zero

    /// Creates a pacer that waits on `clock` (`ContinuousClock()` in production, a manual
    /// clock in tests).
    public init(policy: PacingPolicy = .default, clock: some Clock<Duration> = ContinuousClock()) {
        self.policy = policy
        self.clock = PacingClock(clock)
    }

    /// Waits until a request may be sent under the quota, then counts it as sent.
    /// - Throws: `CancellationError` if the task is cancelled while waiting.
    public func acquire() async throws {
        while true {
            let now = clock.now()
            forgetWindowIfReset(now: now)
            let waitUntil = earliestSendTime(now: now)
            guard let waitUntil, waitUntil > now else { break }
            try await clock.sleep(for: waitUntil - now)
            totalWaited += waitUntil - now
            // Re-check: other requests may have recorded fresher headers while this one slept.
        }
        requestsSent += 1
        if let left = estimatedLeft { estimatedLeft = max(0, left - 1) }
    }

    /// Records a response's headers. For a 429, also decides how long every request to this
    /// store must wait, and returns that wait.
    @discardableResult
    public func record(_ headers: RateLimitHeaders, status: Int) -> Duration? {
        let now = clock.now()
        responsesByStatus[status, default: 0] += 1
        if let quota = headers.requestsQuota { requestsQuota = quota }
        if let window = headers.timeWindow { timeWindow = window }
        if let left = headers.requestsLeft { estimatedLeft = left }
        if let reset = headers.timeUntilReset { resetAt = now + reset }

        guard status == 429 else {
            consecutiveOverloads = 0
            return nil
        }
        rateLimitedResponses += 1
        let wait: Duration
        if headers.timeUntilReset != nil || headers.retryAfter != nil {
            consecutiveOverloads = 0
            wait = max(headers.timeUntilReset ?? .zero, headers.retryAfter ?? .zero)
        } else {
            // No headers: platform overload, not our quota. Back off on our own, growing.
            consecutiveOverloads += 1
            wait = Self.jittered(overloadBackoff(consecutive: consecutiveOverloads))
        }
        estimatedLeft = 0
        blockedUntil = max(blockedUntil ?? .zero, now + wait)
        resetAt = max(resetAt ?? .zero, now + wait)
        return wait
    }

    /// The quota state and counters as of now.
    public func status() -> RateLimitStatus {
        let now = clock.now()
        forgetWindowIfReset(now: now)
        let untilReset = resetAt.flatMap { $0 > now ? $0 - now : nil }
        return RateLimitStatus(
            requestsQuota: requestsQuota, requestsLeft: estimatedLeft, timeWindow: timeWindow,
            timeUntilReset: untilReset, requestsSent: requestsSent, rateLimitedResponses: rateLimitedResponses,
            totalWaited: totalWaited, responsesByStatus: responsesByStatus)
    }

    /// Sleeps on the pacer's clock (retry back-off uses the same clock as pacing).
    public func sleep(for duration: Duration) async throws {
        guard duration > .zero else { return }
        try await clock.sleep(for: duration)
        totalWaited += duration
    }

    // MARK: internals

    private func earliestSendTime(now: Duration) -> Duration? {
        var candidates: [Duration] = []
        if let blockedUntil { candidates.append(blockedUntil) }
        if let left = estimatedLeft, left <= effectiveReserve, let resetAt { candidates.append(resetAt) }
        return candidates.max()
    }

    /// With a tiny quota (a test store with 5 requests), a reserve of 2 would leave too little;
    /// never reserve the whole quota.
    private var effectiveReserve: Int {
        guard let quota = requestsQuota else { return policy.reserve }
        return min(policy.reserve, max(0, quota - 1))
    }

    private func forgetWindowIfReset(now: Duration) {
        if let resetAt, resetAt <= now {
            // A new window: the old count is meaningless until the next response says otherwise.
            self.resetAt = nil
            estimatedLeft = nil
        }
        if let blockedUntil, blockedUntil <= now { self.blockedUntil = nil }
    }

    private func overloadBackoff(consecutive: Int) -> Duration {
        let exponent = min(consecutive - 1, 16)
        return min(policy.overloadBackoff * (1 << exponent), policy.maximumOverloadBackoff)
    }

    /// 50–100 % of `duration`, so many stores backing off at once do not retry in lockstep.
    static func jittered(_ duration: Duration) -> Duration {
        duration * Double.random(in: 0.5...1.0)
    }
}

/// A type-erased clock measured as time since the pacer was created, so the actor does not
/// need to be generic over the clock type.
struct PacingClock: Sendable {
    let now: @Sendable () -> Duration
    let sleepAction: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepAction = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }

    func sleep(for duration: Duration) async throws { try await sleepAction(duration) }
}
