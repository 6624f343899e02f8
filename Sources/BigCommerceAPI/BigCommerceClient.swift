import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client for one store's REST API (Orders V2 and friends).
///
/// Create one per store, sharing a single `HTTPClient` (see ``makeHTTPClient(connectTimeout:readTimeout:eventLoopGroup:)``)
/// across all stores. Every request goes through the store's ``RateLimitPacer``; if several
/// clients talk to the same store (a syncer and a shipment pusher), give them the same pacer.
///
/// Retries: GET and status PUTs are retried with jittered back-off on 5xx, timeouts and
/// connection resets; any request is retried after a 429 once the quota resets (a 429 means it
/// was not processed). Creating a shipment is never retried after it may have reached the
/// server: that fails with ``BigCommerceError/ambiguous(endpoint:reason:)``.
public final class BigCommerceClient: Sendable, CustomStringConvertible, CustomReflectable {
    /// The store this client talks to.
    public let storeHash: StoreHash
    /// The store's pacer (shared quota state and counters).
    public let pacer: RateLimitPacer
    /// The configuration in force.
    public let configuration: BigCommerceClientConfiguration

    private let accessToken: AccessToken
    private let exchange: any HTTPExchanging
    private let logger: Logger

    /// Creates a client for `storeHash` that authenticates with `accessToken`.
    ///
    /// - Parameters:
    ///   - httpClient: shared, created with ``makeHTTPClient(connectTimeout:readTimeout:eventLoopGroup:)``
    ///     (decompression must be on: the client asks for gzip).
    ///   - pacer: pass the store's existing pacer to share its quota view; by default a new one
    ///     with `configuration.pacingPolicy` on `clock`.
    ///   - clock: the clock a new pacer sleeps on (tests inject a manual clock).
    ///   - logger: request lines at debug level, with `store`, never the token.
    public convenience init(
        storeHash: StoreHash, accessToken: AccessToken, httpClient: HTTPClient,
        configuration: BigCommerceClientConfiguration = .default, pacer: RateLimitPacer? = nil,
        clock: some Clock<Duration> = ContinuousClock(), logger: Logger = Logger(label: "BigCommerceAPI")
    ) {
        self.init(
            storeHash: storeHash, accessToken: accessToken, exchange: AsyncHTTPClientExchange(httpClient: httpClient),
            configuration: configuration, pacer: pacer ?? RateLimitPacer(policy: configuration.pacingPolicy, clock: clock),
            logger: logger)
    }

    init(
        storeHash: StoreHash, accessToken: AccessToken, exchange: any HTTPExchanging,
        configuration: BigCommerceClientConfiguration, pacer: RateLimitPacer, logger: Logger
    ) {
        self.storeHash = storeHash
        self.accessToken = accessToken
        self.exchange = exchange
        self.configuration = configuration
        self.pacer = pacer
        var logger = logger
        logger[metadataKey: "store"] = "\(storeHash.rawValue)"
        self.logger = logger
    }

    public var description: String { "BigCommerceClient(store: \(storeHash.rawValue))" }

    /// Only harmless fields, so `dump(client)` cannot print the token.
    public var customMirror: Mirror {
        Mirror(self, children: ["storeHash": storeHash, "apiBaseURL": configuration.endpoints.apiBaseURL], displayStyle: .class)
    }

    /// The last seen quota and the request counters of this store's pacer.
    public func rateLimitStatus() async -> RateLimitStatus { await pacer.status() }

    // MARK: request pipeline

    /// Builds a request for `/stores/{hash}{path}`.
    func makeRequest(_ method: HTTPMethod, _ path: String, query: String? = nil, body: [UInt8]? = nil, idempotent: Bool) -> APIRequest {
        let fullPath = storeHash.apiPathPrefix + path
        let url = configuration.endpoints.apiBaseURL + fullPath + (query.map { "?" + $0 } ?? "")
        return APIRequest(
            method: method, url: url, endpoint: "\(method.rawValue) \(path)",
            headers: .bigCommerceAPI(token: accessToken, userAgent: configuration.userAgent, hasJSONBody: body != nil),
            body: body, isIdempotent: idempotent)
    }

    /// Sends with pacing and retries; returns a 2xx response or throws ``BigCommerceError``
    /// (or `CancellationError`).
    func send(_ request: APIRequest) async throws -> APIResponse {
        let policy = configuration.retryPolicy
        var failedAttempts = 0
        var rateLimitWaits = 0
        while true {
            try await pacer.acquire()
            let response: APIResponse
            do {
                response = try await exchange.exchange(
                    request, timeout: configuration.requestTimeout, maximumBytes: configuration.maximumResponseBytes)
            } catch {
                try Task.checkCancellation()
                if error is CancellationError { throw error }
                let reason = Self.describeTransportError(error)
                guard request.isIdempotent else {
                    if Self.failedBeforeSending(error) { throw BigCommerceError.transport(endpoint: request.endpoint, reason: reason) }
                    throw BigCommerceError.ambiguous(endpoint: request.endpoint, reason: reason)
                }
                failedAttempts += 1
                guard failedAttempts < policy.maximumAttempts else {
                    throw BigCommerceError.transport(endpoint: request.endpoint, reason: reason)
                }
                logger.debug("BigCommerce request failed, retrying", metadata: ["endpoint": "\(request.endpoint)", "reason": "\(reason)"])
                try await pacer.sleep(for: policy.delay(beforeRetry: failedAttempts))
                continue
            }

            let headers = RateLimitHeaders(response.headers)
            let rateLimitWait = await pacer.record(headers, status: response.status)
            logger.debug(
                "BigCommerce request",
                metadata: [
                    "endpoint": "\(request.endpoint)", "status": "\(response.status)",
                    "requests_left": "\(headers.requestsLeft.map(String.init) ?? "-")",
                ])

            switch response.status {
            case 200...299:
                return response
            case 429:
                // Rejected before processing, so repeating it is safe even for a POST. The pacer
                // now holds every request to this store until the wait is over.
                rateLimitWaits += 1
                guard rateLimitWaits <= policy.maximumRateLimitWaits else {
                    throw ResponseInterpreter.error(for: response, endpoint: request.endpoint)
                }
                logger.debug("BigCommerce rate limited", metadata: ["wait": "\(rateLimitWait?.formattedSeconds ?? "-")"])
                continue
            case 500...599 where response.status != 501:
                guard request.isIdempotent else {
                    throw BigCommerceError.ambiguous(endpoint: request.endpoint, reason: "server error \(response.status)")
                }
                failedAttempts += 1
                guard failedAttempts < policy.maximumAttempts else {
                    throw ResponseInterpreter.error(for: response, endpoint: request.endpoint)
                }
                try await pacer.sleep(for: policy.delay(beforeRetry: failedAttempts))
                continue
            default:
                throw ResponseInterpreter.error(for: response, endpoint: request.endpoint)
            }
        }
    }

    /// GET a JSON value.
    func getJSON<Value: Decodable>(_ type: Value.Type, _ path: String, query: String? = nil) async throws -> Value {
        let request = makeRequest(.GET, path, query: query, idempotent: true)
        let response = try await send(request)
        if response.status == 204 || response.body.readableBytes == 0 {
            throw BigCommerceError.invalidResponse(endpoint: request.endpoint, reason: "empty body")
        }
        return try ResponseInterpreter.decode(Value.self, from: response, endpoint: request.endpoint)
    }

    /// GET a list; 204 and an empty body both mean "no rows".
    func getList<Element: Decodable>(_ type: Element.Type, _ path: String, query: String? = nil) async throws -> [Element] {
        let request = makeRequest(.GET, path, query: query, idempotent: true)
        let response = try await send(request)
        if response.status == 204 || response.body.readableBytesView.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D }) {
            return []
        }
        return try ResponseInterpreter.decode([Element].self, from: response, endpoint: request.endpoint)
    }

    /// Pages `limit=250` through a sub-resource list until a short page.
    func getAllPages<Element: Decodable>(_ type: Element.Type, _ path: String) async throws -> [Element] {
        let limit = 250
        var all: [Element] = []
        var page = 1
        while true {
            let rows = try await getList(Element.self, path, query: "page=\(page)&limit=\(limit)")
            all += rows
            if rows.count < limit { return all }
            page += 1
        }
    }

    /// Send a JSON body and decode the answer.
    func sendJSON<Body: Encodable, Value: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body, idempotent: Bool, as type: Value.Type
    ) async throws -> Value {
        let bytes = Array(try JSONEncoder().encode(body))
        let request = makeRequest(method, path, body: bytes, idempotent: idempotent)
        let response = try await send(request)
        return try ResponseInterpreter.decode(Value.self, from: response, endpoint: request.endpoint)
    }

    static func describeTransportError(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout: return "timed out"
            case .connectTimeout: return "connect timed out"
            case .remoteConnectionClosed: return "connection closed by the server"
            default: return "HTTP client error \(error)"
            }
        }
        if let error = error as? NIOTooManyBytesError { return "response larger than \(error.maxBytes.map { String($0) } ?? "the limit") bytes" }
        // NIO's own errors describe the socket problem without any request data.
        return String(describing: type(of: error)) + ": " + String(describing: error).prefix(200)
    }

    /// Errors that prove the request never left this host.
    static func failedBeforeSending(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return error == .connectTimeout || error == .getConnectionFromPoolTimeout || error == .invalidURL
                || error == .alreadyShutdown
        }
        let name = String(describing: type(of: error))
        if case .connectTimeout? = error as? ChannelError { return true }
        return name.contains("NIOConnectionError")
    }
}
