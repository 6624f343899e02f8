import AsyncHTTPClient
import BigCommerceSandbox
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A response as a client sees it.
struct Reply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: Any? { body.isEmpty ? nil : try? JSONSerialization.jsonObject(with: Data(body)) }
    var array: [[String: Any]] { (json as? [[String: Any]]) ?? [] }
    var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    func header(_ n: String) -> String? { headers.first(name: n) }
}

/// One sandbox, one store and a token; every HTTP call goes over loopback.
struct Harness: Sendable {
    let sandbox: RunningSandbox
    let store: String
    let token: String
    let client: HTTPClient

    var api: String { sandbox.apiBaseURL(store: store) }

    func get(_ path: String, token: String? = nil, noToken: Bool = false) async throws -> Reply {
        try await request(.GET, api + path, token: noToken ? nil : (token ?? self.token))
    }

    func send(_ method: HTTPMethod, _ path: String, json: Any? = nil, token: String? = nil) async throws -> Reply {
        let body = try json.map { try JSONSerialization.data(withJSONObject: $0) }
        return try await request(method, api + path, token: token ?? self.token, body: body.map { Array($0) }, contentType: "application/json")
    }

    func request(_ method: HTTPMethod, _ url: String, token: String? = nil, body: [UInt8]? = nil, contentType: String? = nil) async throws -> Reply {
        var req = HTTPClientRequest(url: url)
        req.method = method
        req.headers.add(name: "Accept", value: "application/json")
        if let token { req.headers.add(name: "X-Auth-Token", value: token) }
        if let contentType { req.headers.add(name: "Content-Type", value: contentType) }
        if let body { req.body = .bytes(ByteBuffer(bytes: body)) }
        let resp = try await client.execute(req, timeout: .seconds(30))
        var buf = try await resp.body.collect(upTo: 64 << 20)
        return Reply(status: Int(resp.status.code), headers: resp.headers, body: buf.readBytes(length: buf.readableBytes) ?? [])
    }

    func admin(_ method: HTTPMethod, _ path: String, json: Any? = nil) async throws -> Reply {
        let body = try json.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        return try await request(method, sandbox.baseURL + "/_sandbox/v1" + path, body: body, contentType: body == nil ? nil : "application/json")
    }
}

/// Starts a sandbox with a store `store1` (optionally seeded) and a token, runs `body`, stops everything.
func withHarness(
    _ configuration: SandboxConfiguration = SandboxConfiguration(rateLimitEnabled: false),
    orders: Int = 0, seed: UInt64 = 1, statusMix: SandboxStatusMix = .realistic,
    _ body: (Harness) async throws -> Void
) async throws {
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
    do {
        try await withRunningSandbox(configuration) { sandbox in
            try await sandbox.state.createStore(hash: "store1", customStatusLabels: [11: "Ready to pick"])
            if orders > 0 { try await sandbox.state.seedOrders(store: "store1", count: orders, seed: seed, statusMix: statusMix) }
            let token = try await sandbox.state.issueToken(store: "store1")
            try await body(Harness(sandbox: sandbox, store: "store1", token: token, client: client))
        }
    } catch {
        try? await client.shutdown()
        throw error
    }
    try await client.shutdown()
}

/// Polls `condition` until it holds or the deadline passes (no fixed sleeps).
func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

nonisolated(unsafe) let rfc2822Pattern = #/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/#
nonisolated(unsafe) let moneyPattern = #/^-?\d+\.\d{4}$/#

func ids(_ r: Reply) -> [Int] { r.array.compactMap { $0["id"] as? Int } }

/// A plain order with `lines` physical lines for admin creation.
func plainOrder(status: Int = 11, lines: Int = 1, quantity: Int = 2, modified: SandboxTimestamp? = nil) -> SandboxOrder {
    let a = SandboxAddress(firstName: "Ada", lastName: "Lovelace", street1: "1 Analytical Way", city: "London", state: "London", zip: "N1", country: "United Kingdom", countryISO2: "GB", email: "ada@example.com")
    var o = SandboxOrder(
        statusID: status, billingAddress: a, shippingAddresses: [SandboxShippingAddress(id: 0, address: a, cost: SandboxMoney(cents: 500))],
        lines: (0..<lines).map { SandboxLineItem(productID: 10 + $0, name: "Widget \($0)", sku: "W-\($0)", price: SandboxMoney(cents: 1250), quantity: quantity) })
    if let modified { o.dateCreated = modified; o.dateModified = modified }
    return o
}
