import DropStreamHarness
import Foundation
import Testing

/// The help text is part of the product (STYLE §12): every queue/orders command explains itself
/// and each of its options.
@Suite struct FulfillmentHelpTests {
    @Test(arguments: [
        (["queue", "claim"], ["--worker", "--limit", "--lease", "--store", "--json", "10m"]),
        (["queue", "heartbeat"], ["--worker", "--lease", "lost"]),
        (["orders", "list"], ["--store", "--state", "--since", "--limit", "ISO 8601"]),
        (["orders", "show"], ["history"]),
        (["orders", "release"], ["--worker"]),
        (["orders", "hold"], ["--reason"]),
        (["orders", "unhold"], ["held order"]),
        (["orders", "ship"], ["--tracking", "--carrier", "--method", "--items", "--force", "LINE:QTY", "partial"]),
        (["shipments", "retry"], ["failed", "shipment id"]),
    ])
    func helpExplainsEveryOption(command: [String], mentions: [String]) async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), command + ["--help"])
        #expect(result.status == 0)
        for word in mentions {
            #expect(result.stdout.contains(word), "'\(command.joined(separator: " ")) --help' does not mention \(word)")
        }
    }

    @Test func theRootHelpListsTheNewGroups() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["--help"])
        for group in ["queue", "orders", "shipments"] { #expect(result.stdout.contains(group)) }
    }

    @Test func aBadItemsListIsAUsageError() async throws {
        let result = try await SpawnedProcess.run(BuiltProducts.executable("dropstreamctl"), ["orders", "ship", "1", "--tracking", "T", "--carrier", "ups", "--items", "55"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("LINE:QTY"))
    }
}
