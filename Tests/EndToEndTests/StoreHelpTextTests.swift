import DropStreamHarness
import Foundation
import Testing

extension ConnectionTests {
/// Help text of the store commands and the wizard: every option explained (STYLE §12).
@Suite struct StoreHelpTextTests {
    static let expectations: [(command: [String], needles: [String])] = [
        (["store"], ["add", "list", "show", "set", "pause", "resume", "remove", "authorize", "statuses", "69", "77"]),
        (["store", "add"], ["--platform", "--store-hash", "--api-path", "--import-status", "--json", "--socket", "awaiting_authorization"]),
        (["store", "list"], ["--json", "GET /v1/stores"]),
        (["store", "show"], ["--json", "token"]),
        (["store", "set"], ["--import-status", "--poll-interval", "custom label", "30s", "--claim-status", "queue.claim_status", "'off'"]),
        (["store", "pause"], ["--json"]),
        (["store", "resume"], ["store authorize"]),
        (["store", "remove"], ["--purge", "--force", "--yes", "terminal", "disconnected"]),
        (["store", "authorize"], ["--wait", "--timeout", "Auth Callback URL", "needs_reauthorization", "exits 1"]),
        (["store", "statuses"], ["custom label", "--json", "401"]),
        (["connect"], ["Store Setup", "Authorize", "Import Settings", "Awaiting Fulfillment", "store add", "exits 64"]),
    ]

    @Test(arguments: 0..<expectations.count)
    func commandHelpExplainsItself(_ index: Int) async throws {
        let (command, needles) = Self.expectations[index]
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), command + ["--help"])
        #expect(result.status == 0)
        for needle in needles {
            #expect(result.stdout.contains(needle), "dropstreamctl \(command.joined(separator: " ")) --help lacks \(needle)")
        }
    }

    @Test func rootHelpListsTheNewCommands() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["--help"])
        #expect(result.stdout.contains("store") && result.stdout.contains("connect"))
    }
}
}
