import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@testable import BigCommerceAPI

/// A clock that never really sleeps: a sleep moves its time forward at once and is recorded,
/// so pacing tests assert how long the code *would* have waited, in no real time.
final class TestClock: Clock, Sendable {
    typealias Duration = Swift.Duration

    struct Instant: InstantProtocol {
        typealias Duration = Swift.Duration
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now: Duration = .zero
        var sleeps: [Duration] = []
    }

    private let state = Mutex(State())
    /// Runs after every sleep: integration tests reset the sandbox's quota window here, so
    /// "sleeping until the reset" takes no real time yet meets a fresh window.
    private let afterSleep: (@Sendable () async -> Void)?

    init(afterSleep: (@Sendable () async -> Void)? = nil) { self.afterSleep = afterSleep }

    var now: Instant { Instant(offset: state.withLock { $0.now }) }
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        state.withLock { state in
            if deadline.offset > state.now {
                state.sleeps.append(deadline.offset - state.now)
                state.now = deadline.offset
            }
        }
        await afterSleep?()
    }

    /// Every sleep so far, in order.
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
    var totalSlept: Duration { sleeps.reduce(.zero, +) }

    /// Moves time forward without a sleep (time passing between requests).
    func advance(by duration: Duration) { state.withLock { $0.now += duration } }
}

/// Answers requests from a script, in order, and records what was asked. Not a server: it
/// replaces only the one-exchange seam, to test retry and mapping rules deterministically.
final class ScriptedExchange: HTTPExchanging, Sendable {
    enum Outcome: Sendable {
        case response(status: Int, headers: [(String, String)] = [], body: String = "")
        case failure(any Error & Sendable)
    }

    private struct State {
        var script: [Outcome]
        var requests: [APIRequest] = []
    }

    private let state: Mutex<State>

    init(_ script: [Outcome]) { state = Mutex(State(script: script)) }

    var requests: [APIRequest] { state.withLock { $0.requests } }

    func exchange(_ request: APIRequest, timeout: Duration, maximumBytes: Int) async throws -> APIResponse {
        let outcome: Outcome? = state.withLock { state in
            state.requests.append(request)
            return state.script.isEmpty ? nil : state.script.removeFirst()
        }
        switch outcome {
        case .response(let status, let headers, let body):
            return APIResponse(status: status, headers: HTTPHeaders(headers), body: ByteBuffer(string: body))
        case .failure(let error):
            throw error
        case nil:
            Issue.record("script ran out at request \(request.endpoint)")
            throw CancellationError()
        }
    }
}

/// Keeps every log line (message and metadata rendered) to check that nothing secret is logged.
final class CapturingLogHandler: LogHandler, Sendable {
    private let lines = Mutex<[String]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let rendered = "\(event.level) \(event.message) \(event.metadata ?? [:])"
        lines.withLock { $0.append(rendered) }
    }

    var captured: [String] { lines.withLock { $0 } }
}

enum Fixtures {
    static let storeHash = try! StoreHash(parsing: "abc123")

    /// A client over a scripted exchange and a test clock.
    static func client(
        _ exchange: ScriptedExchange, clock: TestClock = TestClock(), token: String = "test-token-not-secret",
        retry: RetryPolicy = RetryPolicy(maximumAttempts: 3, maximumRateLimitWaits: 3), pacing: PacingPolicy = .default,
        logger: Logger = Logger(label: "test")
    ) -> BigCommerceClient {
        let configuration = BigCommerceClientConfiguration(
            endpoints: BigCommerceEndpoints(apiBaseURL: "http://api.test", loginBaseURL: "http://login.test"),
            retryPolicy: retry, pacingPolicy: pacing)
        return BigCommerceClient(
            storeHash: storeHash, accessToken: AccessToken(token), exchange: exchange, configuration: configuration,
            pacer: RateLimitPacer(policy: pacing, clock: clock), logger: logger)
    }

    static func loadJSON(_ text: String) -> Data { Data(text.utf8) }
}
