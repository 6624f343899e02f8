import ArgumentParser
import AsyncHTTPClient
import BigCommerceSandbox
import Foundation
import NIOCore

/// `sandbox-serve`: how many orders/s the sandbox serves as 250-order pages with line items
/// (`include=consignments.line_items&consignment_structure=object`) over loopback HTTP.
struct SandboxServe: BenchScenario {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-serve",
        abstract: "Orders per second the BigCommerce sandbox serves as 250-order pages with line items.",
        discussion: """
            Starts an in-process sandbox on 127.0.0.1 (rate limiting off), seeds one store with --orders \
            orders in Awaiting Fulfillment, then --connections concurrent clients page through \
            GET /stores/{hash}/v2/orders?status_id=11&sort=id:asc&limit=250&include=consignments.line_items&consignment_structure=object \
            reading every body completely. Each round fetches every page once; the figure is \
            orders served / wall time, best and median over --rounds. With --url, measures an \
            already running sandbox instead (give --store and --token).
            """)

    @Option(help: "Orders to seed.") var orders: Int = 100_000
    @Option(help: "Concurrent HTTP connections.") var connections: Int = 4
    @Option(help: "Rounds (each fetches every page once).") var rounds: Int = 3
    @Option(help: "Page size.") var limit: Int = 250
    @Option(help: "Measure an external sandbox at this base URL instead of an in-process one.") var url: String?
    @Option(help: "Store hash (with --url).") var store: String?
    @Option(help: "Token (with --url).") var token: String?

    func measure() async throws {
        var sandbox: RunningSandbox?
        let base: String, hash: String, tok: String, total: Int
        if let url {
            guard let store, let token else { throw ValidationError("--url needs --store and --token.") }
            base = url; hash = store; tok = token; total = orders
        } else {
            let s = try await RunningSandbox.start(configuration: SandboxConfiguration(rateLimitEnabled: false))
            sandbox = s
            hash = "benchstore"
            try await s.state.createStore(hash: hash)
            let t0 = ContinuousClock.now
            try await s.state.seedOrders(store: hash, count: orders, seed: 1, statusMix: .only(11))
            print("seeded \(orders) orders in \(ContinuousClock.now - t0)")
            tok = try await s.state.issueToken(store: hash)
            base = s.baseURL
            total = orders
        }
        let pages = (total + limit - 1) / limit
        var clientConfig = HTTPClient.Configuration()
        clientConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfig)
        let limit = self.limit
        var rates: [Double] = []
        do {
            // Check the shape once.
            let first = try await Self.fetch(client, base, hash, tok, limit: limit, page: 1)
            let parsed = try JSONSerialization.jsonObject(with: Data(first.1)) as? [[String: Any]]
            guard first.0 == 200, let parsed, parsed.count == min(limit, total),
                  ((parsed[0]["consignments"] as? [String: Any])?["shipping"] as? [[String: Any]])?.first?["line_items"] is [Any]
            else { throw ValidationError("Unexpected first page (status \(first.0)).") }
            for round in 1...rounds {
                let next = Counter()
                let start = ContinuousClock.now
                let served = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for _ in 0..<connections {
                        group.addTask {
                            var n = 0, bytes = 0
                            while true {
                                let p = await next.next()
                                if p > pages { break }
                                let (status, body) = try await Self.fetch(client, base, hash, tok, limit: limit, page: p)
                                guard status == 200 else { throw ValidationError("page \(p): HTTP \(status)") }
                                n += p == pages ? total - (pages - 1) * limit : limit
                                bytes += body.readableBytes
                            }
                            return (n, bytes)
                        }
                    }
                    var n = 0, bytes = 0
                    for try await (a, b) in group { n += a; bytes += b }
                    return (n, bytes)
                }
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                let rate = Double(served.0) / seconds
                rates.append(rate)
                print(String(format: "round %d: %d orders in %d pages, %.1f MB, %.3f s -> %.0f orders/s", round, served.0, pages,
                             Double(served.1) / 1e6, seconds, rate))
            }
        } catch {
            try? await client.shutdown()
            try? await sandbox?.stop()
            throw error
        }
        try await client.shutdown()
        try await sandbox?.stop()
        let sorted = rates.sorted()
        print(String(format: "sandbox-serve: best %.0f orders/s, median %.0f orders/s (%d orders, limit %d, %d connections, %d rounds)",
                     sorted.last ?? 0, sorted[sorted.count / 2], total, limit, connections, rounds))
    }

    static func fetch(_ client: HTTPClient, _ base: String, _ hash: String, _ token: String, limit: Int, page: Int) async throws -> (Int, ByteBuffer) {
        var req = HTTPClientRequest(url: "\(base)/stores/\(hash)/v2/orders?status_id=11&sort=id:asc&limit=\(limit)&page=\(page)&include=consignments.line_items&consignment_structure=object")
        req.headers.add(name: "X-Auth-Token", value: token)
        req.headers.add(name: "Accept", value: "application/json")
        let resp = try await client.execute(req, timeout: .seconds(60))
        let body = try await resp.body.collect(upTo: 256 << 20)
        return (Int(resp.status.code), body)
    }
}

/// Hands out page numbers to the workers.
actor Counter {
    private var value = 0
    func next() -> Int { value += 1; return value }
}

extension Data {
    init(_ buffer: ByteBuffer) { self = Data(buffer.readableBytesView) }
}
