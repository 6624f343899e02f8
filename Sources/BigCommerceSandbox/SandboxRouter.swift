import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The request context: Hummingbird's core storage plus the connection, which the
/// connection-reset fault needs.
public struct SandboxRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// The sandbox's single route table. One port serves three surfaces:
///
/// **Store API** ("api.bigcommerce.com"), `X-Auth-Token` required, `X-Rate-Limit-*` headers on
/// every response, v2 error arrays:
/// - `GET /stores/{hash}/v2/time`
/// - `GET /stores/{hash}/v2/orders` (filters `min_id max_id min_total max_total customer_id email
///   status_id cart_id payment_method min_date_created max_date_created min_date_modified
///   max_date_modified channel_id external_order_id is_deleted`, `sort`, `page`, `limit`,
///   `include=consignments[,consignments.line_items]`, `consignment_structure=object`); 204 when empty
/// - `GET /stores/{hash}/v2/orders/count` (same filters)
/// - `GET|PUT|DELETE /stores/{hash}/v2/orders/{id}` (PUT: `status_id`, `is_deleted`, `staff_notes`,
///   `customer_message`; DELETE archives)
/// - `GET /stores/{hash}/v2/orders/{id}/products[/{line_id}]` (paged, default 50)
/// - `GET /stores/{hash}/v2/orders/{id}/shipping_addresses[/{address_id}]` and the same under
///   `/shippingaddresses`
/// - `GET /stores/{hash}/v2/orders/{id}/coupons`, `.../consignments` (`include=line_items`), `.../fees` (204)
/// - `GET|POST /stores/{hash}/v2/orders/{id}/shipments`, `GET .../shipments/count`,
///   `GET|DELETE .../shipments/{shipment_id}` (deleting does not move the order out of Shipped)
/// - `GET /stores/{hash}/v2/order_statuses[/{id}]`
///
/// **App OAuth** ("login.bigcommerce.com"):
/// - `GET /app/{client_id}/install[?store_hash=&external_install=1]` sign-in page (HTML form)
/// - `POST /login` (form: `email`, `password`, `client_id`) → confirm page (HTML form)
/// - `POST /app/{client_id}/install/confirm` (form: `session`, `store_hash`, `action=confirm|cancel`)
///   → 302 to the auth callback with `code`, `scope`, `context`, `account_uuid`
/// - `GET /app/{client_id}/install/succeeded`, `GET /app/{client_id}/install/failed`
/// - `POST /oauth2/token` (JSON or form-encoded)
///
/// **Admin API** (sandbox only, no auth; JSON in and out), prefix `/_sandbox/v1`:
/// - `GET  /_sandbox/v1/stores` — stores with owner, quota, order count, installed flag
/// - `POST /_sandbox/v1/stores` — `{hash, owner_email?, quota?, custom_status_labels?{"11":"..."},
///   orders?, seed?, issue_token?}` → `{hash, token?}`
/// - `POST /_sandbox/v1/stores/{hash}/seed` — `{count, seed?, status_mix?{"11":70,...}}` → `{first_id, last_id}`
/// - `GET  /_sandbox/v1/stores/{hash}/orders` — every order as the store sees it (archived
///   included, consignments with lines)
/// - `POST /_sandbox/v1/stores/{hash}/orders` — create: `{status_id?, customer_id?, date_created?,
///   billing_address?, shipping_address?, lines:[{sku, name?, quantity, price?, type?,
///   product_id?, variant_id?}], channel_id?, external_order_id?, customer_message?}`
/// - `PATCH /_sandbox/v1/stores/{hash}/orders/{id}` — edit: `{shipping_address?, billing_address?,
///   lines?, staff_notes?, customer_message?}`
/// - `PUT  /_sandbox/v1/stores/{hash}/orders/{id}/status` — `{status_id}`
/// - `POST /_sandbox/v1/stores/{hash}/orders/{id}/cancel`, `.../archive`
/// - `GET  /_sandbox/v1/stores/{hash}/shipments[?order_id=]`
/// - `POST /_sandbox/v1/stores/{hash}/tokens` → `{token}` (a token without OAuth)
/// - `POST /_sandbox/v1/tokens/{token}/revoke`
/// - `POST /_sandbox/v1/stores/{hash}/uninstall` → `{callback_url, callback_status}`
/// - `GET  /_sandbox/v1/stores/{hash}/load-url` → `{url}`
/// - `PUT  /_sandbox/v1/stores/{hash}/quota` — `{quota}`; `POST .../quota/reset` starts a new window
/// - `PUT  /_sandbox/v1/stores/{hash}/status-labels` — `{"11": "Ready to pick", ...}`
/// - `GET|POST|DELETE /_sandbox/v1/faults`, `DELETE /_sandbox/v1/faults/{id}` — POST body:
///   `{kind: rate_limited|server_error|latency|connection_reset|truncated_json|malformed_json|mutation,
///   with_headers?, status?, latency_ms?, mutation?: touch|change_status|create, count?, to_status?,
///   next?, probability?, seed?, store?, endpoint?}` (endpoint = a `SandboxEndpoint` name, e.g. `listOrders`)
/// - `GET  /_sandbox/v1/requests[?store=]` — counters per endpoint, quota violations, the request log
/// - `POST /_sandbox/v1/requests/reset`
/// - `GET  /_sandbox/v1/clock`, `PUT /_sandbox/v1/clock` `{offset_seconds}`, `POST /_sandbox/v1/clock/advance` `{seconds}`
struct SandboxRouter: HTTPResponder {
    typealias Context = SandboxRequestContext
    /// `HTTPField.Name`, reached through Hummingbird's re-exported `HTTPFields`.
    typealias HeaderName = HTTPFields.Element.Name
    let state: SandboxState
    let baseURL: BaseURL

    final class BaseURL: Sendable {
        let value = Mutex<String>("")
        func get() -> String { value.withLock { $0 } }
        func set(_ s: String) { value.withLock { $0 = s } }
    }

    static let authToken = HeaderName("X-Auth-Token")!
    static let rlWindow = HeaderName("X-Rate-Limit-Time-Window-Ms")!
    static let rlReset = HeaderName("X-Rate-Limit-Time-Reset-Ms")!
    static let rlQuota = HeaderName("X-Rate-Limit-Requests-Quota")!
    static let rlLeft = HeaderName("X-Rate-Limit-Requests-Left")!

    struct ConnectionResetError: Error {}

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        let query = SandboxHTTP.decodeForm(Substring(request.uri.query ?? ""))
        var request = request
        if parts.count >= 3, parts[0] == "stores", parts[2] == "v2" {
            return try await storeAPI(&request, context: context, hash: parts[1], rest: Array(parts.dropFirst(3)), query: query)
        }
        if parts.first == "stores" {
            // Only v2 is simulated; answer other versions in the v3 error shape.
            var h = HTTPFields()
            h[.contentType] = "application/json"
            let body = #"{"status":404,"title":"This API is not simulated by the sandbox.","type":"https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"}"#
            return Response(status: .notFound, headers: h, body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        if parts.first == "_sandbox" {
            return try await admin(&request, parts: Array(parts.dropFirst(2)), query: query, versionOK: parts.count >= 2 && parts[1] == "v1")
        }
        return try await oauth(&request, context: context, parts: parts, query: query)
    }

    // MARK: - Store API

    static func route(method: HTTPRequest.Method, _ rest: [String]) -> (SandboxEndpoint, [Int])? {
        func id(_ s: String) -> Int? { Int(s) }
        switch (method, rest.count) {
        case (.get, 1) where rest[0] == "time": return (.time, [])
        case (.get, 1) where rest[0] == "orders": return (.listOrders, [])
        case (.get, 1) where rest[0] == "order_statuses": return (.listOrderStatuses, [])
        case (.get, 2) where rest[0] == "order_statuses": return id(rest[1]).map { (.getOrderStatus, [$0]) } ?? (.getOrderStatus, [-1])
        case (.get, 2) where rest[0] == "orders" && rest[1] == "count": return (.countOrders, [])
        default: break
        }
        guard rest.count >= 2, rest[0] == "orders", let oid = id(rest[1]) else { return nil }
        switch (method, rest.count) {
        case (.get, 2): return (.getOrder, [oid])
        case (.put, 2): return (.updateOrder, [oid])
        case (.delete, 2): return (.archiveOrder, [oid])
        default: break
        }
        let sub = rest[2]
        if rest.count == 3 {
            switch (method, sub) {
            case (.get, "products"): return (.listProducts, [oid])
            case (.get, "shipping_addresses"), (.get, "shippingaddresses"): return (.listShippingAddresses, [oid])
            case (.get, "coupons"): return (.listCoupons, [oid])
            case (.get, "consignments"): return (.getConsignments, [oid])
            case (.get, "fees"): return (.listFees, [oid])
            case (.get, "shipments"): return (.listShipments, [oid])
            case (.post, "shipments"): return (.createShipment, [oid])
            default: return nil
            }
        }
        if rest.count == 4, method == .delete, sub == "shipments", let sid = id(rest[3]) { return (.deleteShipment, [oid, sid]) }
        if rest.count == 4, method == .get {
            if sub == "shipments" && rest[3] == "count" { return (.countShipments, [oid]) }
            guard let sid = id(rest[3]) else { return nil }
            switch sub {
            case "products": return (.getProduct, [oid, sid])
            case "shipping_addresses", "shippingaddresses": return (.getShippingAddress, [oid, sid])
            case "shipments": return (.getShipment, [oid, sid])
            default: return nil
            }
        }
        return nil
    }

    private func storeAPI(_ request: inout Request, context: Context, hash: String, rest: [String], query: [String: String]) async throws -> Response {
        let routed = Self.route(method: request.method, rest)
        var body: [UInt8] = []
        if request.method == .post || request.method == .put {
            var buf = try await request.collectBody(upTo: 4 << 20)
            body = buf.readBytes(length: buf.readableBytes) ?? []
        }
        let req = StoreAPIRequest(
            method: request.method.rawValue, path: request.uri.path, store: hash, token: request.headers[Self.authToken],
            endpoint: routed?.0 ?? .unknown, ids: routed?.1 ?? [], query: query, body: body, baseURL: currentBaseURL(request))
        let r = await state.serve(req)
        var headers = HTTPFields()
        if let rl = r.rateLimit {
            headers[Self.rlWindow] = String(rl.windowMs)
            headers[Self.rlReset] = String(rl.resetMs)
            headers[Self.rlQuota] = String(rl.quota)
            headers[Self.rlLeft] = String(rl.left)
        }
        for (k, v) in r.extraHeaders { headers[HeaderName(k)!] = v }
        var status = r.status
        var bytes = r.body
        switch r.fault {
        case .latency(let d)?:
            try await Task.sleep(for: d)
        case .connectionReset?:
            try await Self.reset(context.channel)
        case .truncatedJSON?:
            if status == 204 || bytes.isEmpty { bytes = Array(#"[{"id":1,"status":"#.utf8); status = 200 }
            bytes = Array(bytes.prefix(max(1, bytes.count / 2)))
        case .malformedJSON?:
            bytes = Array(#"[{"id": 100, "status_id": 11,, "date_modified": Tue, 05 Mar 2019}"#.utf8)
            if status == 204 { status = 200 }
        default: break
        }
        if status != 204 { headers[.contentType] = "application/json" }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Resets the TCP connection: SO_LINGER 0 then close sends RST instead of FIN.
    static func reset(_ channel: any Channel) async throws -> Never {
        if let p = channel as? any SocketOptionProvider {
            try? await p.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close()
        throw ConnectionResetError()
    }

    func currentBaseURL(_ request: Request) -> String {
        let b = baseURL.get()
        if !b.isEmpty { return b }
        return "http://\(request.head.authority ?? "127.0.0.1")"
    }

    // MARK: - responses

    static func json(_ status: Int, _ object: Any) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var h = HTTPFields()
        h[.contentType] = "application/json"
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func html(_ status: Int, _ title: String, _ body: String) -> Response {
        let page = """
            <!DOCTYPE html>
            <html><head><meta charset="utf-8"><title>\(SandboxHTTP.html(title))</title></head>
            <body><h1>\(SandboxHTTP.html(title))</h1>
            \(body)
            <p><small>BigCommerce sandbox (simulator)</small></p></body></html>
            """
        var h = HTTPFields()
        h[.contentType] = "text/html; charset=utf-8"
        return Response(status: .init(code: status), headers: h, body: .init(byteBuffer: ByteBuffer(string: page)))
    }
}
