/// What went wrong talking to BigCommerce. Every case names the endpoint (`GET /v2/orders`,
/// without host or query) so a log line says where it happened; none carries a token, a secret,
/// a response body or an authorization code.
///
/// How a caller should react:
/// - ``unauthorized``: the token was revoked or the app uninstalled — stop using this store's
///   token and ask for re-authorization.
/// - ``forbidden``: a scope is missing (e.g. a read-only token pushing shipments) or the store
///   hash is wrong.
/// - ``rateLimited``: 429s persisted past the retry budget; try again after `retryAfter`.
/// - ``server``: 5xx after retries (503 = store in maintenance, suspended or unpaid).
/// - ``ambiguous``: a non-idempotent request (creating a shipment) may or may not have been
///   applied; list the order's shipments before trying again.
public enum BigCommerceError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// 401: the token is missing, wrong or revoked.
    case unauthorized(endpoint: String)
    /// 403: missing OAuth scope, owner account changed, or a wrong store hash.
    case forbidden(endpoint: String)
    /// 404: the resource (order, shipment, store) does not exist.
    case notFound(endpoint: String)
    /// 429 still answered after the configured number of waits.
    case rateLimited(endpoint: String, retryAfter: Duration?)
    /// A 5xx status after the retries an idempotent request gets.
    case server(endpoint: String, status: Int)
    /// Another 4xx (400, 409, 413, 422, ...) with the API's own message when it sent one.
    case rejected(endpoint: String, status: Int, message: String?)
    /// No HTTP answer: connection refused or reset, DNS, TLS, timeout.
    case transport(endpoint: String, reason: String)
    /// A non-idempotent request failed after it may have reached the server (timeout, reset,
    /// 5xx). Check whether it took effect before repeating it.
    case ambiguous(endpoint: String, reason: String)
    /// A 2xx body that does not decode; `path` is the JSON path of the offending field.
    case decoding(endpoint: String, path: String, reason: String)
    /// A response that makes no sense for the request (unexpected status, compressed body, ...).
    case invalidResponse(endpoint: String, reason: String)

    /// The endpoint the error came from, e.g. `GET /v2/orders`.
    public var endpoint: String {
        switch self {
        case .unauthorized(let endpoint), .forbidden(let endpoint), .notFound(let endpoint),
            .rateLimited(let endpoint, _), .server(let endpoint, _), .rejected(let endpoint, _, _),
            .transport(let endpoint, _), .ambiguous(let endpoint, _), .decoding(let endpoint, _, _),
            .invalidResponse(let endpoint, _):
            return endpoint
        }
    }

    /// The HTTP status behind the error, if there was one.
    public var httpStatus: Int? {
        switch self {
        case .unauthorized: 401
        case .forbidden: 403
        case .notFound: 404
        case .rateLimited: 429
        case .server(_, let status), .rejected(_, let status, _): status
        case .transport, .ambiguous, .decoding, .invalidResponse: nil
        }
    }

    /// Whether trying the same request later can succeed without anyone changing anything
    /// (rate limits, 5xx, network trouble). 401/403/404/4xx and decoding errors need a fix.
    public var isTransient: Bool {
        switch self {
        case .rateLimited, .server, .transport: true
        case .unauthorized, .forbidden, .notFound, .rejected, .ambiguous, .decoding, .invalidResponse: false
        }
    }

    public var description: String {
        switch self {
        case .unauthorized(let endpoint):
            return "\(endpoint): 401 Unauthorized (the access token is invalid or was revoked; re-authorize the store)"
        case .forbidden(let endpoint):
            return "\(endpoint): 403 Forbidden (missing OAuth scope, or wrong store hash)"
        case .notFound(let endpoint):
            return "\(endpoint): 404 Not Found"
        case .rateLimited(let endpoint, let retryAfter):
            let wait = retryAfter.map { ", retry after \($0.formattedSeconds)" } ?? ""
            return "\(endpoint): 429 Too Many Requests (store API quota exhausted\(wait))"
        case .server(let endpoint, let status):
            let hint = status == 503 ? " (store down for maintenance, suspended, or billing issue)" : ""
            return "\(endpoint): server error \(status)\(hint)"
        case .rejected(let endpoint, let status, let message):
            return "\(endpoint): rejected with \(status)" + (message.map { ": \($0)" } ?? "")
        case .transport(let endpoint, let reason):
            return "\(endpoint): no response (\(reason))"
        case .ambiguous(let endpoint, let reason):
            return "\(endpoint): outcome unknown (\(reason)); check whether it took effect before retrying"
        case .decoding(let endpoint, let path, let reason):
            return "\(endpoint): cannot decode the response at \(path.isEmpty ? "<root>" : path): \(reason)"
        case .invalidResponse(let endpoint, let reason):
            return "\(endpoint): invalid response (\(reason))"
        }
    }

    public var debugDescription: String { "BigCommerceError(\(description))" }
}

extension Duration {
    /// `1.5s`, for messages.
    var formattedSeconds: String {
        let milliseconds = components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
        if milliseconds % 1_000 == 0 { return "\(milliseconds / 1_000)s" }
        return "\(Double(milliseconds) / 1_000)s"
    }

    /// Whole milliseconds (rounded down), for arithmetic with the rate-limit headers.
    var wholeMilliseconds: Int64 {
        components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000
    }
}
