import AsyncHTTPClient
import NIOCore

/// Where BigCommerce lives. The defaults are production; tests and the demo point both at the
/// sandbox.
public struct BigCommerceEndpoints: Sendable, Hashable {
    /// The REST API host, e.g. `https://api.bigcommerce.com` (no trailing path).
    public var apiBaseURL: String
    /// The OAuth host, e.g. `https://login.bigcommerce.com`.
    public var loginBaseURL: String

    public init(apiBaseURL: String = "https://api.bigcommerce.com", loginBaseURL: String = "https://login.bigcommerce.com") {
        self.apiBaseURL = Self.trimmingTrailingSlashes(apiBaseURL)
        self.loginBaseURL = Self.trimmingTrailingSlashes(loginBaseURL)
    }

    /// Production BigCommerce.
    public static let production = BigCommerceEndpoints()

    static func trimmingTrailingSlashes(_ url: String) -> String {
        var url = url.trimmingWhitespace()
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// How often and how long to retry a failed idempotent request (GET, a status PUT).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in total for 5xx, timeouts and connection resets (1 = no retry).
    public var maximumAttempts: Int
    /// How many 429s a single request waits out before giving up with
    /// ``BigCommerceError/rateLimited(endpoint:retryAfter:)``.
    public var maximumRateLimitWaits: Int
    /// The first back-off; doubles per attempt, with jitter.
    public var baseDelay: Duration
    /// The longest back-off.
    public var maximumDelay: Duration

    public init(
        maximumAttempts: Int = 4, maximumRateLimitWaits: Int = 5, baseDelay: Duration = .milliseconds(500),
        maximumDelay: Duration = .seconds(30)
    ) {
        self.maximumAttempts = max(1, maximumAttempts)
        self.maximumRateLimitWaits = max(0, maximumRateLimitWaits)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    public static let `default` = RetryPolicy()

    /// The wait before retry number `retry` (1-based): `baseDelay · 2^(retry-1)`, capped, then
    /// 50–100 % of that so clients failing together do not retry together.
    public func delay(beforeRetry retry: Int) -> Duration {
        let exponent = min(max(retry - 1, 0), 16)
        return RateLimitPacer.jittered(min(baseDelay * (1 << exponent), maximumDelay))
    }
}

/// Everything about a ``BigCommerceClient`` except the store and its token.
public struct BigCommerceClientConfiguration: Sendable {
    public var endpoints: BigCommerceEndpoints
    /// Deadline for one HTTP exchange, body included.
    public var requestTimeout: Duration
    public var retryPolicy: RetryPolicy
    public var pacingPolicy: PacingPolicy
    /// Larger bodies are refused (a page of 250 orders with line items is a few MB).
    public var maximumResponseBytes: Int
    /// Sent as `User-Agent`.
    public var userAgent: String

    public init(
        endpoints: BigCommerceEndpoints = .production, requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default, pacingPolicy: PacingPolicy = .default,
        maximumResponseBytes: Int = 64 << 20, userAgent: String = "DropStream-BigCommerceAPI/1"
    ) {
        self.endpoints = endpoints
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.pacingPolicy = pacingPolicy
        self.maximumResponseBytes = maximumResponseBytes
        self.userAgent = userAgent
    }

    public static let `default` = BigCommerceClientConfiguration()
}

extension BigCommerceClient {
    /// Creates the `HTTPClient` the API clients expect: gzip/deflate decompression on (we ask
    /// for gzip), redirects off (a redirect must never carry `X-Auth-Token` to another host),
    /// and connect/read timeouts. Share one per process; shut it down at exit.
    public static func makeHTTPClient(
        connectTimeout: Duration = .seconds(10), readTimeout: Duration = .seconds(30),
        eventLoopGroup: any EventLoopGroup = HTTPClient.defaultEventLoopGroup
    ) -> HTTPClient {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .init(connectTimeout), read: .init(readTimeout)),
            decompression: .enabled(limit: .ratio(200)))
        configuration.httpVersion = .automatic
        return HTTPClient(eventLoopGroup: eventLoopGroup, configuration: configuration)
    }
}
