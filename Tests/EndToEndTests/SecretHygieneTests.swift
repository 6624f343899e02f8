import DropStreamControl
import Foundation
import Testing

extension ConnectionTests {
/// DESIGN §6 and issues 4 and 8: no token, code or client secret in the daemon's debug log, in the
/// ctl's output (human or JSON), /metrics, the daemon's command line and environment, or as
/// plain text in the database, after a full flow.
@Suite struct SecretHygieneTests {
    @Test func noSecretLeaksAfterAFullFlow() async throws {
        let h = try await ConnectionHarness.start()
        defer { Task { try? await h.stop() } }
        try await h.createStore("leak1", labels: [11: "Ready to ship"])
        var ctlOutput = ""
        func run(_ arguments: [String]) async throws -> Int32 {
            let result = try await h.ctl(arguments)
            ctlOutput += result.stdout + result.stderr
            return result.status
        }

        #expect(try await run(["store", "add", "leaky", "--store-hash", "leak1"]) == 0)
        #expect(try await run(["store", "add", "leaky2", "--store-hash", "leak1", "--json"]) == 1)
        #expect(try await run(["store", "authorize", "leaky"]) == 0)
        let start = try await h.startAuthorization("leaky")
        let (location, page) = try await h.authorizeInBrowser(authorizeURL: start.authorizeURL, store: "leak1")
        #expect(page.status == 200)
        let code = try #require(URLComponents(string: location)?.queryItems?.first { $0.name == "code" }?.value)
        // A replay fails at the token endpoint: its error must not carry the code either.
        _ = try await h.fetch(location)
        for arguments in [["store", "list"], ["store", "show", "leaky"], ["store", "statuses", "leaky"], ["status"]] {
            #expect(try await run(arguments) == 0)
            #expect(try await run(arguments + ["--json"]) == 0)
        }
        #expect(try await run(["store", "set", "leaky", "--import-status", "Ready to ship", "--json"]) == 0)
        #expect(try await run(["store", "set", "leaky", "--import-status", "nonsense"]) == 1)

        let tokens = await h.sandbox.state.tokens(store: "leak1").map(\.token)
        #expect(tokens.count == 1)
        // Then the token is revoked: the 401 path logs and answers without it.
        for token in tokens { try await h.sandbox.state.revokeToken(token) }
        #expect(try await run(["store", "statuses", "leaky", "--json"]) == 1)

        // What else a local user or a scraper can read: /metrics and /healthz, and the
        // daemon's command line and environment (what a child process would inherit).
        let scraped = try await h.fetch(h.callbackBase + "/metrics").text + h.fetch(h.callbackBase + "/healthz").text
        #expect(scraped.contains("dropstream_"), "the /metrics scrape worked")
        let processFiles = ["cmdline", "environ"].map { name in
            (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(h.process.pid)/\(name)"))) ?? Data()
        }
        #expect(!processFiles[0].isEmpty, "read the daemon's /proc/PID/cmdline")

        let log = h.log
        #expect(log.contains("debug") || log.contains("<7>"), "the daemon logs at debug level")
        #expect(log.contains("store authorized and active"))
        let database = try Data(contentsOf: URL(fileURLWithPath: h.daemon.stateDirectory + "/dropstream.sqlite"))
            + ((try? Data(contentsOf: URL(fileURLWithPath: h.daemon.stateDirectory + "/dropstream.sqlite-wal"))) ?? Data())
        for secret in tokens + [code, ConnectionHarness.clientSecret] {
            #expect(!log.contains(secret), "the daemon's log contains a secret")
            #expect(!ctlOutput.contains(secret), "dropstreamctl's output contains a secret")
            #expect(database.range(of: Data(secret.utf8)) == nil, "the database holds a secret in plain text")
            #expect(!scraped.contains(secret), "/metrics or /healthz shows a secret")
            for file in processFiles { #expect(file.range(of: Data(secret.utf8)) == nil, "the daemon's command line or environment holds a secret") }
        }
        // And the files themselves: the generated token key is private.
        var info = stat()
        #expect(stat(h.daemon.stateDirectory + "/token.key", &info) == 0 && info.st_mode & 0o077 == 0)
        try await h.stop()
    }
}
}
