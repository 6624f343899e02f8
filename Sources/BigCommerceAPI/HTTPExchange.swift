import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One HTTP request as the API layer describes it, before it becomes an `HTTPClientRequest`.
struct APIRequest: Sendable {
    var method: HTTPMethod
    /// Absolute URL including the query.
    var url: String
    /// For errors and logs: method and path without host, query or secrets, e.g. `GET /v2/orders`.
    var endpoint: String
    var headers: HTTPHeaders
    var body: [UInt8]?
    /// Whether repeating the request cannot change the outcome (GET, a status PUT).
    var isIdempotent: Bool
}

/// A complete response: status, headers and the whole (decompressed) body.
struct APIResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// Sends one request and reads the whole answer. A seam so the retry and pacing rules can be
/// tested against scripted outcomes without a network.
protocol HTTPExchanging: Sendable {
    func exchange(_ request: APIRequest, timeout: Duration, maximumBytes: Int) async throws -> APIResponse
}

/// The production exchange over AsyncHTTPClient.
struct AsyncHTTPClientExchange: HTTPExchanging {
    let httpClient: HTTPClient

    func exchange(_ request: APIRequest, timeout: Duration, maximumBytes: Int) async throws -> APIResponse {
        var clientRequest = HTTPClientRequest(url: request.url)
        clientRequest.method = request.method
        clientRequest.headers = request.headers
        if let body = request.body {
            clientRequest.body = .bytes(ByteBuffer(bytes: body))
        }
        // One deadline covers connect, headers and body, so a slow trickle cannot stall a pass.
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let response = try await httpClient.execute(clientRequest, deadline: deadline)
        let body = try await response.body.collect(upTo: maximumBytes)
        return APIResponse(status: Int(response.status.code), headers: response.headers, body: body)
    }
}

/// Turns HTTP outcomes into values or ``BigCommerceError``s. Shared by the store client and the
/// OAuth client; knows nothing about retries.
enum ResponseInterpreter {
    /// Maps a non-2xx status to its error. `includeMessage` is false for endpoints whose error
    /// bodies might echo what we sent (the token endpoint gets the code and the secret).
    static func error(for response: APIResponse, endpoint: String, includeMessage: Bool = true) -> BigCommerceError {
        switch response.status {
        case 401: return .unauthorized(endpoint: endpoint)
        case 403: return .forbidden(endpoint: endpoint)
        case 404: return .notFound(endpoint: endpoint)
        case 429:
            let headers = RateLimitHeaders(response.headers)
            let wait = [headers.timeUntilReset, headers.retryAfter].compactMap { $0 }.max()
            return .rateLimited(endpoint: endpoint, retryAfter: wait)
        case 500...599: return .server(endpoint: endpoint, status: response.status)
        case 400...499:
            return .rejected(endpoint: endpoint, status: response.status, message: includeMessage ? apiMessage(in: response.body) : nil)
        default:
            return .invalidResponse(endpoint: endpoint, reason: "unexpected status \(response.status)")
        }
    }

    /// The human message of a v2 (`[{"status","message"}]`) or v3 (`{"title"}`) error body,
    /// shortened; nil for anything else. Never the raw body.
    static func apiMessage(in body: ByteBuffer) -> String? {
        guard body.readableBytes > 0, let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
        else { return nil }
        var message: String?
        switch json {
        case .array(let entries):
            if case .object(let first)? = entries.first, case .string(let text)? = first["message"] { message = text }
        case .object(let object):
            if case .string(let text)? = object["title"] { message = text }
            else if case .string(let text)? = object["message"] { message = text }
        default: break
        }
        return message.map { String($0.prefix(300)) }
    }

    /// Decodes a 2xx body, turning decoding failures into ``BigCommerceError/decoding`` with the
    /// JSON path of the field and no values.
    static func decode<Value: Decodable>(_ type: Value.Type, from response: APIResponse, endpoint: String) throws(BigCommerceError) -> Value {
        let bytes = response.body.readableBytesView
        if bytes.starts(with: [0x1F, 0x8B]) {
            throw .invalidResponse(
                endpoint: endpoint,
                reason: "gzip-compressed body: create the HTTPClient with decompression enabled (BigCommerceClient.makeHTTPClient)")
        }
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch let error as DecodingError {
            let (path, reason) = describe(error)
            throw .decoding(endpoint: endpoint, path: path, reason: reason)
        } catch {
            throw .decoding(endpoint: endpoint, path: "", reason: "not JSON")
        }
    }

    /// `[3].billing_address.zip` and a value-free reason.
    static func describe(_ error: DecodingError) -> (path: String, reason: String) {
        func render(_ path: [any CodingKey]) -> String {
            var text = ""
            for key in path {
                if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
            }
            return text
        }
        switch error {
        case .typeMismatch(let type, let context):
            return (render(context.codingPath), "expected \(type)")
        case .valueNotFound(let type, let context):
            return (render(context.codingPath), "expected \(type) but found null")
        case .keyNotFound(let key, let context):
            return (render(context.codingPath + [key]), "required field missing")
        case .dataCorrupted(let context):
            // Our own messages say what was expected; Foundation's may quote the input, so only
            // ours (which carry a coding path) are passed on.
            return (render(context.codingPath), context.codingPath.isEmpty ? "malformed JSON" : context.debugDescription)
        @unknown default:
            return ("", "undecodable")
        }
    }
}

extension HTTPHeaders {
    /// The standard headers of every API call. The token goes in only here.
    static func bigCommerceAPI(token: AccessToken, userAgent: String, hasJSONBody: Bool) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.add(name: "X-Auth-Token", value: token.revealedValue)
        headers.add(name: "Accept", value: "application/json")
        headers.add(name: "Accept-Encoding", value: "gzip")
        headers.add(name: "User-Agent", value: userAgent)
        if hasJSONBody { headers.add(name: "Content-Type", value: "application/json") }
        return headers
    }
}
