import DropStreamControl
import DropStreamHarness
import Foundation
import Testing

/// Hostile request bodies and query parameters against the real daemon's control socket
/// (issue 8): every write route gets invalid bodies made from a valid one, every answer is 4xx
/// in the control API's error shape (never 5xx, never a dropped connection), and afterwards
/// everything the API can show is byte for byte what it was.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ControlRequestFuzzTests {
    /// What a field holds, so a mutation can pick a value of a kind it can never accept.
    enum Kind { case string, int, bool, skuKind, intArray, items, components, catalogItems }

    struct Route {
        var method: String
        var path: String
        var valid: [String: Any]
        var fields: [(name: String, kind: Kind, required: Bool)]
    }

    static var routes: [Route] {
        let store = ControlAPI.Path.stores + "/" + FulfillmentWorld.storeName
        return [
            Route(method: "POST", path: ControlAPI.Path.stores, valid: ["name": "fuzz", "platform": "bigcommerce", "store_hash": "fuzz1"],
                  fields: [("name", .string, true), ("platform", .string, true), ("store_hash", .string, true), ("import_status", .string, false)]),
            Route(method: "PATCH", path: store, valid: ["poll_interval_seconds": 120],
                  fields: [("import_status", .string, false), ("poll_interval_seconds", .int, false)]),
            Route(method: "POST", path: store + "/sync", valid: ["full": false, "wait": false],
                  fields: [("full", .bool, true), ("wait", .bool, true)]),
            Route(method: "POST", path: ControlAPI.Path.queueClaim, valid: ["worker": "w1", "limit": 1, "lease_seconds": 60],
                  fields: [("worker", .string, true), ("limit", .int, false), ("lease_seconds", .int, false), ("store", .string, false)]),
            Route(method: "POST", path: ControlAPI.Path.queueHeartbeat, valid: ["worker": "w1", "order_ids": [1], "lease_seconds": 60],
                  fields: [("worker", .string, true), ("order_ids", .intArray, true), ("lease_seconds", .int, false)]),
            Route(method: "POST", path: ControlAPI.Path.orders + "/1/release", valid: ["worker": "w1"],
                  fields: [("worker", .string, false)]),
            Route(method: "POST", path: ControlAPI.Path.orders + "/1/hold", valid: ["reason": "address"],
                  fields: [("reason", .string, true)]),
            Route(method: "POST", path: ControlAPI.Path.orders + "/1/ship",
                  valid: ["tracking": "1Z999", "carrier": "ups", "items": [["line_id": "1", "quantity": 1]], "force": false],
                  fields: [("tracking", .string, true), ("carrier", .string, true), ("method", .string, false), ("items", .items, false),
                           ("force", .bool, false), ("worker", .string, false), ("idempotency_key", .string, false)]),
            Route(method: "POST", path: store + "/skus", valid: ["sku": "A", "kind": "map", "warehouse_sku": "WA", "quantity": 2],
                  fields: [("sku", .string, true), ("kind", .skuKind, true), ("warehouse_sku", .string, false), ("quantity", .int, false),
                           ("components", .components, false)]),
            Route(method: "POST", path: store + "/skus/remove", valid: ["sku": "A"], fields: [("sku", .string, true)]),
            Route(method: "POST", path: store + "/shipping-methods", valid: ["method": "Flat Rate", "service_code": "GROUND"],
                  fields: [("method", .string, true), ("service_code", .string, true)]),
            Route(method: "POST", path: store + "/shipping-methods/remove", valid: ["method": "Flat Rate"], fields: [("method", .string, true)]),
            Route(method: "PUT", path: ControlAPI.Path.catalog, valid: ["items": [["sku": "WA", "description": "Widget"]]],
                  fields: [("items", .catalogItems, true)]),
        ]
    }

    /// A value `kind` never decodes from.
    static func wrongValue(for kind: Kind, required: Bool, _ rng: inout SeededGenerator) -> Any {
        var choices: [Any]
        switch kind {
        case .string: choices = [5, true, [Any](), [String: Any](), 1e300, ["a"]]
        case .int: choices = ["5", true, [Any](), [String: Any](), 1.5, 1e300, -1e300, "1e3"]
        case .bool: choices = ["true", "yes", [Any](), [String: Any](), "1"]
        case .skuKind: choices = ["nope", "MAP", 5, "", "\u{0}", "map ", [Any]()]
        case .intArray: choices = ["1", 1, [["x"]], ["a"], [1.5], [1e300], [true], [String: Any]()]
        case .items: choices = ["x", 1, [1], [["quantity": 1]], [["line_id": 1, "quantity": 1]], [["line_id": "1", "quantity": "one"]], [String: Any]()]
        case .components: choices = ["x", 1, [1], [["quantity": 1]], [["warehouse_sku": 5, "quantity": 1]], [String: Any]()]
        case .catalogItems: choices = ["x", 1, [1], [["description": "no sku"]], [["sku": 5]], [String: Any]()]
        }
        if required { choices.append(NSNull()) }
        var value = choices.randomElement(using: &rng)!
        if Int.random(in: 0...4, using: &rng) == 0 {
            // Deeply nested: still the wrong kind, and a stress for the decoder.
            for _ in 0..<Int.random(in: 50...400, using: &rng) { value = [value] }
        }
        return value
    }

    /// A valid body padded over the 1 MiB limit.
    static func oversizeBody(for route: Route) -> [UInt8] {
        var object = route.valid
        object["padding"] = String(repeating: "p", count: (1 << 20) + 10)
        return Array(try! JSONSerialization.data(withJSONObject: object))
    }

    /// A body the route must refuse before writing anything.
    static func hostileBody(for route: Route, _ rng: inout SeededGenerator) -> [UInt8] {
        let validBytes = Array(try! JSONSerialization.data(withJSONObject: route.valid, options: [.sortedKeys]))
        let required = route.fields.filter(\.required)
        switch Int.random(in: 0...8, using: &rng) {
        case 0:
            // Noise that is not a JSON object.
            while true {
                let noise = (0..<Int.random(in: 1...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if (try? JSONSerialization.jsonObject(with: Data(noise), options: [.fragmentsAllowed])) as? [String: Any] == nil { return noise }
            }
        case 1:
            return Array(validBytes.prefix(Int.random(in: 1..<validBytes.count, using: &rng)))
        case 2 where !required.isEmpty:
            var object = route.valid
            object.removeValue(forKey: required.randomElement(using: &rng)!.name)
            return Array(try! JSONSerialization.data(withJSONObject: object))
        case 3:
            let top: [Any] = [[Any](), "x", 5, NSNull(), true, [route.valid]]
            return Array(try! JSONSerialization.data(withJSONObject: top.randomElement(using: &rng)!, options: [.fragmentsAllowed]))
        case 4:
            // Invalid UTF-8 in the middle of a string value.
            var bytes = validBytes
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            bytes.insert(contentsOf: [0xC3, 0x28, 0xFF, 0xFE], at: quotes[min(quotes.count - 1, 3)])
            return bytes
        case 5:
            let depth = Int.random(in: 600...5000, using: &rng)
            return Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
        default:
            // One or two fields of a kind they never accept, maybe beside unknown extras.
            var object = route.valid
            for _ in 0..<Int.random(in: 1...2, using: &rng) {
                let field = route.fields.randomElement(using: &rng)!
                object[field.name] = wrongValue(for: field.kind, required: field.required, &rng)
            }
            if Bool.random(using: &rng) { object["unexpected_\(Int.random(in: 0...9, using: &rng))"] = "\u{202E}😀" }
            return Array(try! JSONSerialization.data(withJSONObject: object))
        }
    }

    /// Everything the control API shows that a write could change.
    func snapshot(_ world: FulfillmentWorld) throws -> String {
        let store = ControlAPI.Path.stores + "/" + FulfillmentWorld.storeName
        var text = ""
        for path in [ControlAPI.Path.stores, store, store + "/skus", store + "/shipping-methods", ControlAPI.Path.catalog,
                     ControlAPI.Path.orders + "?limit=10000"] + (1...3).map({ ControlAPI.Path.orders + "/\($0)" }) {
            let response = try #require(try RawHTTP.unix(world.socketPath, method: "GET", target: path), "GET \(path)")
            #expect(response.status == 200, "GET \(path): \(response.status) \(response.bodyText)")
            text += path + "\n" + response.bodyText + "\n"
        }
        return text
    }

    func expectRefusal(_ response: RawHTTPResponse?, _ what: @autoclosure () -> String) {
        guard let response else {
            Issue.record("\(what()): the connection closed without an answer")
            return
        }
        #expect((400..<500).contains(response.status), "\(what()): \(response.status) \(response.bodyText.prefix(300))")
        let body = try? ControlAPI.makeDecoder().decode(ControlErrorBody.self, from: Data(response.body))
        #expect(body != nil && body?.message.isEmpty == false, "\(what()): not the error shape: \(response.bodyText.prefix(300))")
    }

    @Test("hostile bodies to every write route are refused with 4xx and write nothing", arguments: [UInt64(1), 2])
    func hostileBodies(seed: UInt64) async throws {
        try await FulfillmentWorld.with(orders: 3) { world in
            let before = try snapshot(world)
            var rng = SeededGenerator(seed: 0xC0_0000 + seed)
            for route in Self.routes {
                for index in 0..<30 {
                    let body = index == 0 ? Self.oversizeBody(for: route) : Self.hostileBody(for: route, &rng)
                    let response = try RawHTTP.unix(world.socketPath, method: route.method, target: route.path, body: body)
                    expectRefusal(response, "seed \(seed) \(route.method) \(route.path) case \(index) body \(String(decoding: body.prefix(120), as: UTF8.self).debugDescription)")
                }
            }
            #expect(try snapshot(world) == before, "seed \(seed): a refused request changed what the API shows")
            #expect(try await world.ctl(["status"]).status == 0, "the daemon still answers")
        }
    }

    @Test("hostile path and query parameters are answered 2xx or 4xx, never 5xx", arguments: [UInt64(1)])
    func hostileParameters(seed: UInt64) async throws {
        try await FulfillmentWorld.with(orders: 3) { world in
            let before = try snapshot(world)
            var rng = SeededGenerator(seed: 0x9A_0000 + seed)
            let pieces = ["acme", "ready", "held", "-1", "0", "99999999999999999999", "1e3", "2024-05-01T12:00:00Z", "2024-13-45T99:99:99Z",
                          "%00", "%FF%FE", "%F0%9F%98%80", "..%2F..%2Fetc", "%E2%80%AE", "true", "", "%20", "a%2Fb", "NaN", "limit"]
            func piece() -> String { (0..<Int.random(in: 1...3, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined() }
            for index in 0..<150 {
                let query = ["store", "state", "since", "limit", "purge", "x"].shuffled(using: &rng).prefix(Int.random(in: 1...4, using: &rng))
                    .map { "\($0)=\(piece())" }.joined(separator: "&")
                let name = "zz" + piece()  // never the real store: a DELETE must find nothing to remove
                let targets: [(String, String)] = [
                    ("GET", ControlAPI.Path.orders + "?" + query),
                    ("GET", ControlAPI.Path.orders + "/" + piece()),
                    ("GET", ControlAPI.Path.stores + "/" + name + "?" + query),
                    ("GET", ControlAPI.Path.stores + "/" + name + "/sync"),
                    ("DELETE", ControlAPI.Path.stores + "/" + name + "?purge=true&force=true&" + query),
                    ("POST", "/v1/shipments/" + piece() + "/retry"),
                    ("POST", ControlAPI.Path.orders + "/" + piece() + "/unhold"),
                ]
                for (method, target) in targets {
                    let response = try RawHTTP.unix(world.socketPath, method: method, target: target)
                    let what = "seed \(seed) case \(index): \(method) \(target)"
                    guard let response else {
                        Issue.record("\(what): the connection closed without an answer")
                        continue
                    }
                    #expect(response.status < 500, "\(what): \(response.status) \(response.bodyText.prefix(300))")
                    if response.status >= 400 { expectRefusal(response, what) }
                }
            }
            #expect(try snapshot(world) == before, "seed \(seed): a refused request changed what the API shows")
        }
    }
}
