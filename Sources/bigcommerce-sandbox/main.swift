import ArgumentParser
import BigCommerceSandbox
import Foundation
import Logging
import ServiceLifecycle

/// `bigcommerce-sandbox`: the BigCommerce simulator as its own process.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bigcommerce-sandbox",
        abstract: "Run a BigCommerce Orders V2 + app OAuth simulator on one loopback port.",
        discussion: """
            One port serves three surfaces. Paths below; bodies are JSON.

            STORE API (as api.bigcommerce.com; header X-Auth-Token required;
            X-Rate-Limit-* headers on every response; errors [{status,message}])
              GET  /stores/{hash}/v2/time
              GET  /stores/{hash}/v2/orders
                   filters: min_id max_id min_total max_total customer_id
                   email status_id cart_id payment_method channel_id
                   min_date_created max_date_created min_date_modified
                   max_date_modified external_order_id is_deleted
                   sort=FIELD[:asc|:desc]  page  limit (default 50, max 250)
                   include=consignments.line_items&consignment_structure=object
                   An empty page is 204 with an empty body.
              GET  /stores/{hash}/v2/orders/count           (same filters)
              GET|PUT|DELETE /stores/{hash}/v2/orders/{id}  (DELETE archives)
              GET  .../orders/{id}/products[/{line_id}]     (paged, 50)
              GET  .../orders/{id}/shipping_addresses[/{id}]
                   (also spelled /shippingaddresses)
              GET  .../orders/{id}/coupons, .../fees
              GET  .../orders/{id}/consignments[?include=line_items]
              GET|POST .../orders/{id}/shipments
              GET  .../orders/{id}/shipments/count
              GET|DELETE .../orders/{id}/shipments/{id}
              GET  /stores/{hash}/v2/order_statuses[/{id}]

            APP OAUTH (as login.bigcommerce.com)
              GET  /app/{client_id}/install   sign-in page: a store's owner
                   email (owner@{hash}.example.com) and password "sandbox"
              POST /login                     -> confirm page
              POST /app/{client_id}/install/confirm
                   -> 302 to --auth-callback with code, scope, context,
                   account_uuid
              POST /oauth2/token              JSON or form-encoded
              Codes are single-use and expire (--code-lifetime-s, 300).

            ADMIN API (sandbox only, no authentication) under /_sandbox/v1
              GET|POST /stores      {hash, owner_email?, quota?, orders?,
                                     seed?, custom_status_labels?,
                                     issue_token?}
              POST /stores/{hash}/seed       {count, seed?, status_mix?}
              GET|POST /stores/{hash}/orders read all / create one
              PATCH /stores/{hash}/orders/{id}  addresses, lines, notes
              PUT  /stores/{hash}/orders/{id}/status  {status_id}
              POST /stores/{hash}/orders/{id}/cancel
              POST /stores/{hash}/orders/{id}/archive
              GET  /stores/{hash}/shipments[?order_id=]
              POST /stores/{hash}/tokens     a token without OAuth
              POST /tokens/{token}/revoke
              POST /stores/{hash}/uninstall  revokes tokens, calls
                   --uninstall-callback with signed_payload_jwt
              GET  /stores/{hash}/load-url   --load-callback URL with JWT
              PUT  /stores/{hash}/quota {quota}
              POST /stores/{hash}/quota/reset
              PUT  /stores/{hash}/status-labels  {"11": "Ready to pick"}
              GET|POST|DELETE /faults, DELETE /faults/{id}
                   {kind: rate_limited | server_error | latency |
                   connection_reset | truncated_json | malformed_json |
                   mutation, with_headers?, status?, latency_ms?,
                   mutation?: touch | change_status | create, count?,
                   to_status?, next? or probability? (+ seed?), store?,
                   endpoint?}
              GET  /requests[?store=]   counters, quota violations, log
              POST /requests/reset
              GET|PUT /clock {offset_seconds}
              POST /clock/advance {seconds}

            Store hashes and orders derive from --seed: the same flags give
            the same stores. --print-tokens issues and prints a token per
            store, a sandbox-only convenience (real BigCommerce hands out
            tokens only through OAuth). The client secret may come from the
            environment variable BIGCOMMERCE_SANDBOX_CLIENT_SECRET instead.
            SIGINT/SIGTERM stop the sandbox cleanly. docs/sandbox.md lists
            the behaviours chosen where the reference is UNCONFIRMED.
            """)

    @Option(help: "TCP port to listen on (0 = any free port).") var port: Int = 8790
    @Option(help: "Address to bind.") var host: String = "127.0.0.1"
    @Option(help: "Number of stores to create.") var stores: Int = 1
    @Option(help: "Orders to seed per store.") var orders: Int = 0
    @Option(help: "Seed for store hashes and orders (deterministic).") var seed: UInt64 = 1
    @Option(name: .customLong("client-id"), help: "The app's OAuth client id.") var clientID: String
    @Option(name: .customLong("client-secret"), help: "The app's client secret (or env BIGCOMMERCE_SANDBOX_CLIENT_SECRET).") var clientSecret: String?
    @Option(name: .customLong("auth-callback"), help: "The app's registered auth callback URL.") var authCallback: String
    @Option(name: .customLong("uninstall-callback"), help: "The app's uninstall callback URL.") var uninstallCallback: String?
    @Option(name: .customLong("load-callback"), help: "The app's load callback URL.") var loadCallback: String?
    @Flag(name: .customLong("no-rate-limit"), help: "Never answer 429 for spent quotas (headers are still sent).") var noRateLimit = false
    @Option(help: "Requests per window per store.") var quota: Int = 150
    @Option(name: .customLong("window-ms"), help: "Rate-limit window in milliseconds.") var windowMs: Int = 30_000
    @Option(name: .customLong("code-lifetime-s"), help: "OAuth code lifetime in seconds.") var codeLifetime: Int = 300
    @Flag(name: .customLong("print-tokens"), help: "Issue a token per store and print it (sandbox-only convenience).") var printTokens = false
    @Flag(name: .customLong("limit-413"), help: "Answer 413 for limit > 250 instead of clamping.") var limit413 = false
    @Flag(name: .customLong("unknown-store-403"), help: "Answer 403 instead of 404 for an unknown store hash.") var unknownStore403 = false
    @Flag(name: .customLong("list-incomplete"), help: "List Incomplete (status 0) orders without status_id.") var listIncomplete = false
    @Flag(name: .customLong("list-archived"), help: "List archived orders without is_deleted=true.") var listArchived = false
    @Flag(name: .customLong("strict-filters"), help: "Answer 400 for unparsable filters instead of ignoring them.") var strictFilters = false
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error, critical.") var logLevel: String = "info"

    func run() async throws { try await serve() }

    /// The whole life of the process (named apart from `run()`, see the bottom of this file).
    func serve() async throws {
        guard let secret = clientSecret ?? ProcessInfo.processInfo.environment["BIGCOMMERCE_SANDBOX_CLIENT_SECRET"], !secret.isEmpty else {
            throw ValidationError("Give --client-secret or set BIGCOMMERCE_SANDBOX_CLIENT_SECRET.")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535.") }
        guard quota > 0, windowMs > 0 else { throw ValidationError("--quota and --window-ms must be positive.") }
        let config = SandboxConfiguration(
            host: host, port: port, clientID: clientID, clientSecret: secret, authCallbackURL: authCallback,
            uninstallCallbackURL: uninstallCallback, loadCallbackURL: loadCallback, codeLifetime: .seconds(codeLifetime),
            defaultQuota: quota, rateLimitWindow: .milliseconds(windowMs), rateLimitEnabled: !noRateLimit,
            oversizedLimit: limit413 ? .reject413 : .clamp, unknownStoreStatus: unknownStore403 ? .forbidden : .notFound,
            listsIncompleteOrdersByDefault: listIncomplete, listsArchivedOrdersByDefault: listArchived,
            invalidFilter: strictFilters ? .reject400 : .ignore)
        var logger = Logger(label: "bigcommerce-sandbox")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        let state = SandboxState(configuration: config)
        var lines: [String] = []
        for hash in Self.storeHashes(count: stores, seed: seed) {
            try await state.createStore(hash: hash)
            if orders > 0 { try await state.seedOrders(store: hash, count: orders, seed: seed &+ UInt64(lines.count)) }
            let owner = try await state.ownerEmail(store: hash)
            var line = "store \(hash) owner=\(owner) orders=\(orders)"
            if printTokens {
                let token = try await state.issueToken(store: hash)
                line += " token=\(token)"
            }
            lines.append(line)
        }
        let printed = lines
        let appID = clientID
        let service = SandboxService(state: state, logger: logger) { url in
            say("bigcommerce-sandbox listening on \(url)")
            say("install URL: \(url)/app/\(appID)/install")
            for l in printed { say(l) }
        }
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        say("bigcommerce-sandbox stopped")
    }

    /// Deterministic, BigCommerce-looking hashes (7 lower-case letters and digits).
    static func storeHashes(count: Int, seed: UInt64) -> [String] {
        var r = SandboxRandom(seed: seed)
        let chars = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        var out: [String] = []
        while out.count < count {
            let h = String((0..<7).map { _ in chars[Int(r.next() % 36)] })
            if !out.contains(h) { out.append(h) }
        }
        return out
    }
}

/// Writes a line to stdout unbuffered, so a parent process reading a pipe sees it at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

// In a main.swift, `main()` and `run()` resolve to ParsableCommand's synchronous versions (which
// refuse async commands / print help), so parse and call the async entry point by its own name.
do {
    var command = try SandboxCommand.parseAsRoot()
    if let sandbox = command as? SandboxCommand {
        try await sandbox.serve()
    } else {
        try command.run()  // --help, --version
    }
} catch {
    SandboxCommand.exit(withError: error)
}
