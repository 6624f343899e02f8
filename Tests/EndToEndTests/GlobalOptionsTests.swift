import DropStreamControl
import DropStreamHarness
import Foundation
import Testing

/// `--socket` and `--json` before the subcommand as well as after it (issue 17): the built
/// dropstreamctl against a real dropstreamd, each command both ways, the same answer.
@Suite struct GlobalOptionsTests {
    func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), arguments)
    }

    @Test func globalOptionsWorkBeforeAndAfterTheSubcommand() async throws {
        let harness = try DaemonHarness()
        let daemon = try await harness.startAndWaitUntilReady()
        let socket = harness.socketPath
        _ = try await harness.ctl(["store", "add", "acme", "--platform", "bigcommerce", "--store-hash", "abc123"])

        // The same command, options after (as always) and before the subcommand, or split.
        let spellings: [(after: [String], others: [[String]])] = [
            (["status", "--json", "--socket", socket],
             [["--socket", socket, "status", "--json"], ["--json", "--socket", socket, "status"], ["--socket=\(socket)", "--json", "status"]]),
            (["store", "list", "--json", "--socket", socket],
             [["--json", "store", "list", "--socket", socket], ["--json", "--socket", socket, "store", "list"]]),
            (["store", "list", "--socket", socket],
             [["--socket", socket, "store", "list"]]),
            (["store", "show", "acme", "--socket", socket],
             [["--socket", socket, "store", "show", "acme"]]),
            (["orders", "list", "--json", "--socket", socket],
             [["--json", "--socket", socket, "orders", "list"], ["--socket", socket, "orders", "--json", "list"]]),
        ]
        for (after, others) in spellings {
            let reference = try await run(after)
            #expect(reference.status == 0, "\(after): \(reference.stderr)")
            for arguments in others {
                let result = try await run(arguments)
                #expect(result.status == 0, "\(arguments): \(result.stderr)")
                // status's uptime may tick between the two calls; everything else is equal.
                if after.first == "status" {
                    let status = try ControlAPI.makeDecoder().decode(StatusResponse.self, from: Data(result.stdout.utf8))
                    #expect(status.pid == daemon.pid, "\(arguments)")
                } else {
                    #expect(result.stdout == reference.stdout, "\(arguments) differs from \(after)")
                }
            }
        }

        // --json before the subcommand really is JSON, and the socket before it really is used.
        let json = try await run(["--json", "--socket", socket, "store", "list"])
        let stores = try ControlAPI.makeDecoder().decode(StoreListResponse.self, from: Data(json.stdout.utf8))
        #expect(stores.stores.map(\.name) == ["acme"])
        let elsewhere = try await run(["--socket", harness.directory.file("nobody.sock"), "status"])
        #expect(elsewhere.status == 69, "\(elsewhere.stderr)")
        #expect(elsewhere.stderr.contains("nobody.sock"))
    }

    @Test func theRootHelpDocumentsTheGlobalOptionsOnce() async throws {
        let result = try await run(["--help"])
        #expect(result.status == 0)
        let options = result.stdout.split(separator: "\n").filter { $0.hasPrefix("  --") }
        #expect(options.filter { $0.hasPrefix("  --socket <path>") }.count == 1, "\(result.stdout)")
        #expect(options.filter { $0.hasPrefix("  --json ") }.count == 1, "\(result.stdout)")
        #expect(result.stdout.contains("USAGE: dropstreamctl [--socket <path>] [--json] <subcommand>"))
    }
}
