import NIOHTTP1
import Testing

@testable import BigCommerceAPI

@Suite("Rate-limit pacing with an injected clock")
struct RateLimitPacerTests {
    @Test("headers are read case-insensitively; junk counts as absent")
    func headerParsing() {
        let headers = RateLimitHeaders(
            HTTPHeaders([
                ("x-rate-limit-requests-left", "35"), ("X-RATE-LIMIT-REQUESTS-QUOTA", "150"),
                ("X-Rate-Limit-Time-Reset-Ms", "15000"), ("X-Rate-Limit-Time-Window-Ms", "30000"), ("X-Retry-After", "soon"),
            ]))
        #expect(headers == RateLimitHeaders(requestsLeft: 35, requestsQuota: 150, timeUntilReset: .seconds(15), timeWindow: .seconds(30)))
        #expect(RateLimitHeaders(HTTPHeaders()).isEmpty)
    }

    @Test("no waiting while plenty of quota is left")
    func noWaitWithQuota() async throws {
        let clock = TestClock()
        let pacer = RateLimitPacer(policy: PacingPolicy(reserve: 2), clock: clock)
        for left in stride(from: 149, through: 10, by: -1) {
            try await pacer.acquire()
            await pacer.record(RateLimitHeaders(requestsLeft: left, requestsQuota: 150, timeUntilReset: .seconds(20)), status: 200)
        }
        #expect(clock.sleeps.isEmpty)
        let status = await pacer.status()
        #expect(status.requestsSent == 140)
        #expect(status.requestsLeft == 10)
        #expect(status.requestsQuota == 150)
    }

    @Test("at the reserve, the next request waits until the window resets")
    func pacesAtReserve() async throws {
        let clock = TestClock()
        let pacer = RateLimitPacer(policy: PacingPolicy(reserve: 2), clock: clock)
        try await pacer.acquire()
        await pacer.record(RateLimitHeaders(requestsLeft: 3, requestsQuota: 150, timeUntilReset: .milliseconds(12_500)), status: 200)
        clock.advance(by: .milliseconds(500))
        try await pacer.acquire()  // 3 left > reserve 2: goes at once
        #expect(clock.sleeps.isEmpty)
        await pacer.record(RateLimitHeaders(requestsLeft: 2, requestsQuota: 150, timeUntilReset: .seconds(12)), status: 200)
        try await pacer.acquire()  // 2 left = reserve: wait out the 12 s
        #expect(clock.sleeps == [.seconds(12)])
        let status = await pacer.status()
        #expect(status.requestsLeft == nil)  // a new window: unknown until the next response
        #expect(status.totalWaited == .seconds(12))
    }

    @Test("concurrent requests count against the estimate before their responses arrive")
    func concurrentEstimate() async throws {
        let clock = TestClock()
        let pacer = RateLimitPacer(policy: PacingPolicy(reserve: 1), clock: clock)
        try await pacer.acquire()
        await pacer.record(RateLimitHeaders(requestsLeft: 3, timeUntilReset: .seconds(5)), status: 200)
        try await pacer.acquire()  // estimate 3 → 2
        try await pacer.acquire()  // estimate 2 → 1
        #expect(clock.sleeps.isEmpty)
        try await pacer.acquire()  // estimate 1 = reserve: waits for the reset
        #expect(clock.sleeps == [.seconds(5)])
    }

    @Test("a 429 blocks every request until the reset, or the longer X-Retry-After")
    func tooManyRequests() async throws {
        let clock = TestClock()
        let pacer = RateLimitPacer(clock: clock)
        try await pacer.acquire()
        let wait = await pacer.record(RateLimitHeaders(requestsLeft: 0, timeUntilReset: .seconds(7)), status: 429)
        #expect(wait == .seconds(7))
        try await pacer.acquire()
        #expect(clock.sleeps == [.seconds(7)])

        let longer = await pacer.record(RateLimitHeaders(requestsLeft: 0, timeUntilReset: .seconds(3), retryAfter: .seconds(10)), status: 429)
        #expect(longer == .seconds(10))
        try await pacer.acquire()
        #expect(clock.sleeps == [.seconds(7), .seconds(10)])
        #expect(await pacer.status().rateLimitedResponses == 2)
    }

    @Test("a 429 without headers backs off exponentially with jitter, capped")
    func overloadBackoff() async throws {
        let clock = TestClock()
        let policy = PacingPolicy(reserve: 2, overloadBackoff: .seconds(2), maximumOverloadBackoff: .seconds(10))
        let pacer = RateLimitPacer(policy: policy, clock: clock)
        var waits: [Duration] = []
        for _ in 0..<5 {
            try await pacer.acquire()
            waits.append(try #require(await pacer.record(RateLimitHeaders(), status: 429)))
        }
        let ceilings: [Duration] = [.seconds(2), .seconds(4), .seconds(8), .seconds(10), .seconds(10)]
        for (wait, ceiling) in zip(waits, ceilings) {
            #expect(wait <= ceiling && wait >= ceiling / 2, "\(wait) not within 50–100 % of \(ceiling)")
        }
        // A success resets the back-off.
        try await pacer.acquire()
        await pacer.record(RateLimitHeaders(), status: 200)
        try await pacer.acquire()
        let afterSuccess = try #require(await pacer.record(RateLimitHeaders(), status: 429))
        #expect(afterSuccess <= .seconds(2))
    }

    @Test("a tiny quota is not entirely reserved")
    func tinyQuota() async throws {
        let clock = TestClock()
        let pacer = RateLimitPacer(policy: PacingPolicy(reserve: 5), clock: clock)
        try await pacer.acquire()
        await pacer.record(RateLimitHeaders(requestsLeft: 2, requestsQuota: 3, timeUntilReset: .seconds(1)), status: 200)
        try await pacer.acquire()  // reserve is clamped to quota - 1 = 2 → wait
        #expect(clock.sleeps == [.seconds(1)])
    }

    @Test("cancelling a task that waits for the quota ends the wait at once")
    func cancellationEndsTheWait() async throws {
        // The real clock: the wait would be ten minutes, so only cancellation can end it.
        let pacer = RateLimitPacer(clock: ContinuousClock())
        await pacer.record(RateLimitHeaders(requestsLeft: 0, timeUntilReset: .seconds(600)), status: 429)
        let waiter = Task { try await pacer.acquire() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(await pacer.status().requestsSent == 0)
    }

    @Test("retry back-off doubles with jitter and is capped")
    func retryDelays() {
        let policy = RetryPolicy(baseDelay: .milliseconds(100), maximumDelay: .milliseconds(500))
        for _ in 0..<50 {
            let first = policy.delay(beforeRetry: 1)
            let third = policy.delay(beforeRetry: 3)
            let tenth = policy.delay(beforeRetry: 10)
            #expect(first >= .milliseconds(50) && first <= .milliseconds(100))
            #expect(third >= .milliseconds(200) && third <= .milliseconds(400))
            #expect(tenth >= .milliseconds(250) && tenth <= .milliseconds(500))
        }
    }
}
