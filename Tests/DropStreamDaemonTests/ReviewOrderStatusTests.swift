import BigCommerceSandbox
import DropStreamControl
import Foundation
import Testing

/// Issue 17, Review Order Status from the ctl, end to end with the built dropstreamd and
/// dropstreamctl against the in-process sandbox: event facts come in snake_case.
@Suite struct ReviewOrderStatusTests {
    func ok(_ world: FulfillmentWorld, _ arguments: [String]) async throws -> String {
        let result = try await world.ctl(arguments)
        #expect(result.status == 0, "dropstreamctl \(arguments): \(result.stderr)")
        return result.stdout
    }

    /// The raw `--json` document, to check the wire's key names themselves.
    func rawJSON(_ world: FulfillmentWorld, _ arguments: [String]) async throws -> [String: Any] {
        let stdout = try await ok(world, arguments + ["--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
    }

    @Test func eventFactsComeInSnakeCaseBesideTheV1Detail() async throws {
        try await FulfillmentWorld.with(orders: 1) { world in
            let id = try #require(try await world.ctlJSON(["orders", "list"], as: OrderListResponse.self).orders.first?.id)
            let document = try await rawJSON(world, ["orders", "show", String(id)])
            let imported = try #require((document["events"] as? [[String: Any]])?.first { $0["kind"] as? String == "imported" })
            // /v1 readers keep the detail they knew; facts has the same in snake_case.
            let detail = try #require(imported["detail"] as? [String: String])
            let facts = try #require(imported["facts"] as? [String: String])
            #expect(detail["storeStatusId"] == "11")
            #expect(facts["store_status_id"] == "11")
            #expect(facts.keys.allSatisfy { $0 == $0.lowercased() })
            #expect(facts.count == detail.count)
            // The human history prints the snake_case form.
            #expect(try await ok(world, ["orders", "show", String(id)]).contains("store_status_id=11"))

            // A store's history too
            let storeDocument = try await rawJSON(world, ["store", "show", FulfillmentWorld.storeName])
            let history = try #require(storeDocument["history"] as? [[String: Any]])
            #expect(!history.isEmpty)
            for entry in history {
                let facts = try #require(entry["facts"] as? [String: String])
                #expect(facts.keys.allSatisfy { !$0.contains(where: \.isUppercase) }, "\(entry)")
            }
        }
    }

    @Test func snakeCaseKeysConvertsLikeTheEncoder() {
        #expect(ControlAPI.snakeCaseKeys(["storeStatusId": "1", "reason": "x", "claimStatusId": "off", "already_snake": "y", "URLPath": "z"])
            == ["store_status_id": "1", "reason": "x", "claim_status_id": "off", "already_snake": "y", "url_path": "z"])
    }
}
